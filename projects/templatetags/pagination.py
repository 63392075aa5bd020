"""The page numbers a list's pagination shows."""

from django import template
from django.core.paginator import Page

register = template.Library()


@register.filter
def page_links(page: Page) -> list[int | None]:
    """The first and last page numbers, two on each side of the current page and
    None for each gap between them: a fixed number of links however many pages
    there are (a year of 100,000 projects has 4,000 pages of 25)."""
    paginator = page.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(
            page.number, on_each_side=2, on_ends=1
        )
    ]

"""The pagination links: a fixed number however many pages a list has."""

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from projects.templatetags.pagination import page_links


def page(rows: int, number: int):
    return Paginator(range(rows), 25).get_page(number)


@pytest.mark.parametrize(
    ("rows", "number", "links"),
    [
        (106, 1, [1, 2, 3, 4, 5]),
        (500, 4, [1, 2, 3, 4, 5, 6, None, 20]),
        (500, 7, [1, None, 5, 6, 7, 8, 9, None, 20]),
        (100_006, 1, [1, 2, 3, None, 4001]),
        (100_006, 2000, [1, None, 1998, 1999, 2000, 2001, 2002, None, 4001]),
        (100_006, 4001, [1, None, 3999, 4000, 4001]),
    ],
)
def test_first_last_two_each_side_and_gaps(rows, number, links):
    assert page_links(page(rows, number)) == links


def test_the_links_as_rendered():
    html = render_to_string(
        "includes/pagination.html", {"page": page(100_006, 2000), "query": "fy=2569"}
    )

    assert html.count('class="page-item"') == 8  # previous, 6 pages, next
    assert html.count("…") == 2
    assert 'aria-current="page"><span class="page-link">2000<' in html
    assert 'href="?fy=2569&amp;page=4001"' in html
    assert 'href="?fy=2569&amp;page=1999">1999<' in html

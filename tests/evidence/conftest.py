import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(client, settings):
    """The evidence tests read the English messages; test_thai_messages the Thai."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield

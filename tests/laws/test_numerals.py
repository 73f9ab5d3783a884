"""Numbers in legal and administrative texts, written in digits or in Chinese numerals: one
reading for article numbers (第一百零三条) and for what the import meets (二十个工作日)."""

import re

import pytest

from laws.numerals import ARTICLE_RE, NUMERAL, article_numbers, chinese_to_int


@pytest.mark.parametrize(
    ("text", "number"),
    [("二十个工作日", 20), ("20个工作日", 20), ("两份", 2), ("一千二百条", 1200), ("〇", 0)],
)
def test_a_number_at_the_start_of_a_text_is_found_and_read_in_either_form(text, number):
    match = re.match(NUMERAL, text)
    assert match is not None
    assert chinese_to_int(match.group()) == number


def test_an_article_number_is_read_the_same_in_digits_and_in_words():
    assert article_numbers("第一百零三条") == article_numbers("第103条") == [103]
    assert ARTICLE_RE.search("依据第十二条第一款").group(1) == "十二"


def test_words_that_are_not_numbers_are_refused():
    assert re.match(NUMERAL, "个工作日") is None
    with pytest.raises(ValueError, match="不是中文数字"):
        chinese_to_int("二十个")

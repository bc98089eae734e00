"""Word-level differences and finding a paragraph again (pure functions)."""

from markupsafe import Markup

from consult.revisions.diff import carry_anchor, find_paragraph, tokenize, word_diff


def test_replaced_word_is_deleted_and_inserted():
    assert word_diff("a b c", "a x c") == Markup("a <del>b</del><ins>x</ins> c")


def test_added_and_removed_words():
    assert str(word_diff("a c", "a b c")) == "a <ins>b </ins>c"
    assert str(word_diff("a b c", "a c")) == "a <del>b </del>c"


def test_diff_escapes_user_text():
    html = str(word_diff("<script>x</script> & y", "<script>x</script> & <b>z</b>"))
    assert "<script>" not in html and "<b>" not in html
    expected = "&lt;script&gt;x&lt;/script&gt; &amp; <del>y</del><ins>&lt;b&gt;z&lt;/b&gt;</ins>"
    assert html == expected


def test_diff_keeps_whitespace_and_line_breaks():
    assert "".join(tokenize("a  b\n\nc")) == "a  b\n\nc"
    assert str(word_diff("a\n\nb", "a\n\nb")) == "a\n\nb"


def test_identical_paragraph_is_found_where_it_moved():
    assert find_paragraph("Dua.", ["Baru.", "Satu.", "Dua."], near=1) == 2


def test_reworded_paragraph_is_found_when_similar_enough():
    old = "Memperkuat rantai pasok lokal untuk industri kecil dan menengah di kota"
    new = "Memperkuat rantai pasok lokal untuk industri kecil dan menengah di Palangka Raya"
    assert find_paragraph(old, ["Lain sama sekali.", new], near=0) == 1


def test_unrelated_paragraph_is_not_a_match():
    assert find_paragraph("Paragraf kedua.", ["Sesuatu yang lain sekali."], near=0) is None


def test_anchor_out_of_range_is_dropped():
    assert carry_anchor(5, ["a"], ["a"]) is None
    assert carry_anchor(None, ["a"], ["a"]) is None

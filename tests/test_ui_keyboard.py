"""The on-screen keyboards, tapped in the real window."""
import pytest

from kiosk.ui.textentry import CandidateButton, NumericKeypad, PinyinKeyboard
from kiosk.ui.widgets import KButton


def key(kiosk, label):
    """The on-screen key showing ``label`` (not a field or candidate)."""
    board = kiosk.app.keyboard.board
    found = kiosk.find_all(lambda w: getattr(w, "text", None) == label, within=board)
    assert found, f"no key {label!r}"
    return found[0]


def first_candidate(kiosk):
    bar = kiosk.find_id("candidates")
    return bar.children[-1]  # Kivy keeps children last first


def type_keys(kiosk, letters):
    for letter in letters:
        kiosk.tap(key(kiosk, letter))


def test_tap_pinyin_pick_a_candidate_and_find_chinese_in_the_field(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    assert isinstance(kiosk.app.keyboard.board, PinyinKeyboard)
    type_keys(kiosk, "xinlizixun")
    assert kiosk.find_id("composing").text == "xinlizixun"
    kiosk.tap(key(kiosk, "心理咨询"))
    assert form.ids.wish.text == "心理咨询"
    assert kiosk.find_id("composing").text == ""


def test_picking_a_shorter_word_keeps_the_rest_for_the_next_pick(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    type_keys(kiosk, "xinlizixun")
    kiosk.tap(key(kiosk, "心理"))
    assert form.ids.wish.text == "心理"
    assert kiosk.find_id("composing").text == "zixun"
    kiosk.tap(first_candidate(kiosk))
    assert form.ids.wish.text == "心理咨询"


def test_abbreviation_backspace_and_paging(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    type_keys(kiosk, "slx")
    kiosk.tap(key(kiosk, "← 删除"))
    type_keys(kiosk, "t")
    assert kiosk.find_id("composing").text == "slt"
    first_page = [b.text for b in kiosk.find_id("candidates").children]
    kiosk.tap(key(kiosk, "›"))
    second_page = [b.text for b in kiosk.find_id("candidates").children]
    assert second_page and set(first_page).isdisjoint(second_page)
    kiosk.tap(key(kiosk, "‹"))
    kiosk.tap(key(kiosk, "水龙头"))
    assert form.ids.wish.text == "水龙头"


def test_name_field_offers_names(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.name)
    type_keys(kiosk, "zhangwei")
    shown = [b.text for b in kiosk.find_id("candidates").children]
    assert "张伟" in shown
    kiosk.tap(key(kiosk, "张伟"))
    assert form.ids.name.text == "张伟"


def test_english_and_symbol_pages(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    kiosk.tap(key(kiosk, "中 → 英"))
    type_keys(kiosk, "ABC")
    kiosk.tap(key(kiosk, "123 符号"))
    type_keys(kiosk, "12，")
    assert form.ids.wish.text == "abc12，"


def test_numeric_keypad_for_phone_refuses_letters(kiosk):
    form = kiosk.open_entry_preview()
    phone = form.ids.phone
    kiosk.tap(phone)
    assert isinstance(kiosk.app.keyboard.board, NumericKeypad)
    for digit in "13812345678":
        kiosk.tap(key(kiosk, digit))
    assert phone.text == "13812345678"
    kiosk.tap(key(kiosk, "5"))  # one too many: refused, with a message at the field
    assert phone.text == "13812345678"
    assert phone.ids.error.text == "！最多 11 个字"  # the message is at the field
    phone.clear()
    phone.insert("13a8")  # a scanner or paste can still send letters
    assert phone.text == "138"
    assert "只能输入数字" in phone.error


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("field", ["name", "phone", "wish"])
def test_keyboard_never_covers_the_focused_field(kiosk, field, elder):
    from kiosk.ui.theme import theme
    theme.elder = elder
    form = kiosk.open_entry_preview()
    target = form.ids[field]
    kiosk.tap(target)
    kiosk.frames(3)
    assert target.focused and kiosk.app.keyboard.field == target
    assert_visible(kiosk, form, target)
    kiosk.tap(key(kiosk, "完成"))
    assert kiosk.app.keyboard.board is None


def assert_visible(kiosk, form, field):
    board = kiosk.app.keyboard.board
    scroll = form.ids.scroll
    _fx, fy = field.to_window(field.x, field.y)
    _bx, by = board.to_window(board.x, board.y)
    _sx, sy = scroll.to_window(scroll.x, scroll.y)
    assert fy >= by + board.height, "the keyboard covers the field"
    assert fy + field.height <= sy + scroll.height + 1, "the field is scrolled out of view"


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_moving_to_a_field_scrolled_away_brings_it_back(kiosk, elder):
    from kiosk.ui.theme import theme
    theme.elder = elder
    form = kiosk.open_entry_preview()
    form.show_keyboard("wish", "ni")
    kiosk.frames(3)
    assert_visible(kiosk, form, form.ids.wish)
    form.show_keyboard("name", "wang")
    kiosk.frames(3)
    assert_visible(kiosk, form, form.ids.name)


def test_leaving_the_screen_closes_the_keyboard_and_idle_clears_the_form(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    type_keys(kiosk, "ni")
    kiosk.tap(first_candidate(kiosk))
    assert form.ids.wish.text
    kiosk.advance(91)  # nobody answers the idle prompt
    assert kiosk.app.current == "home"
    assert kiosk.app.keyboard.board is None
    assert form.ids.wish.text == ""


def test_hostile_input_is_filtered_not_crashing(kiosk):
    form = kiosk.open_entry_preview()
    name = form.ids.name
    name.insert("张\u200b三\x00<script>")  # zero-width, NUL and markup in a name
    assert name.text == "张三script"
    wish = form.ids.wish
    wish.insert("好" * 10_000)
    assert len(wish.text) == 100 and "最多 100 个字" in wish.error


def test_a_field_shows_text_set_without_typing_and_masks_a_pin(kiosk):
    # a receipt scanner, or a screen filling a field, sets the text directly
    kiosk.app.go("ticket")
    kiosk.frames(2)
    field = kiosk.app.screens.current_screen.fields["ticket"]
    field.text = "480213"
    kiosk.frames(2)
    assert kiosk.find_text("480213").get_root_window() is not None
    field.kind = "pin"
    kiosk.frames(2)
    assert kiosk.find_text("●●●●●●")


def test_clear_takes_the_whole_pinyin_string_in_one_tap(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    type_keys(kiosk, "ni")
    kiosk.tap(first_candidate(kiosk))
    picked = form.ids.wish.text
    type_keys(kiosk, "loutianzhuangfushou")
    kiosk.tap(key(kiosk, "清空"))
    assert kiosk.find_id("composing").text == ""
    assert kiosk.find_id("candidates").children == []
    assert form.ids.wish.text == picked  # the field keeps what was already picked
    assert key(kiosk, "清空").disabled  # nothing left to clear
    type_keys(kiosk, "xlzx")  # and typing goes on as before
    kiosk.tap(key(kiosk, "心理咨询"))
    assert form.ids.wish.text == picked + "心理咨询"


def test_a_picked_candidate_is_taken_back_in_one_tap(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.wish)
    assert key(kiosk, "撤销").disabled  # nothing picked yet
    type_keys(kiosk, "xinlizixun")
    kiosk.tap(key(kiosk, "心理"))
    assert form.ids.wish.text == "心理"
    assert kiosk.find_id("composing").text == "zixun"
    kiosk.tap(key(kiosk, "撤销"))
    assert form.ids.wish.text == ""
    assert kiosk.find_id("composing").text == "xinlizixun"  # the letters come back
    kiosk.tap(key(kiosk, "心理咨询"))
    assert form.ids.wish.text == "心理咨询"
    # two picks are taken back one at a time, last first
    type_keys(kiosk, "zixishiyuyue")
    kiosk.tap(key(kiosk, "自习室"))
    kiosk.tap(key(kiosk, "撤销"))
    kiosk.tap(key(kiosk, "撤销"))
    assert form.ids.wish.text == ""
    assert kiosk.find_id("composing").text == "xinlizixunzixishiyuyue"
    assert key(kiosk, "撤销").disabled


def test_taking_back_a_surname_in_the_name_field(kiosk):
    form = kiosk.open_entry_preview()
    kiosk.tap(form.ids.name)
    type_keys(kiosk, "zengguofan")
    shown = [b.text for b in kiosk.find_id("candidates").children]
    assert "曾" in shown  # the surname alone, on the first page, with its surname reading
    kiosk.tap(key(kiosk, "曾"))
    assert form.ids.name.text == "曾"
    assert kiosk.find_id("composing").text == "guofan"
    kiosk.tap(key(kiosk, "撤销"))
    assert form.ids.name.text == ""
    assert kiosk.find_id("composing").text == "zengguofan"


def test_candidates_and_keys_cannot_be_confused_and_a_chinese_name_has_no_space(kiosk):
    form = kiosk.open_entry_preview()
    board = kiosk.app.keyboard
    kiosk.tap(form.ids.wish)
    type_keys(kiosk, "slt")
    words = [b for b in kiosk.walk(board.board) if isinstance(b, CandidateButton)]
    keys = [b for b in kiosk.walk(board.board) if isinstance(b, KButton) and not isinstance(b, CandidateButton)]
    assert words and "确认" not in [b.text for b in keys]  # no key that also picks a word
    assert {tuple(w.color) for w in words}.isdisjoint({tuple(k.color) for k in keys})  # drawn apart
    space = key(kiosk, "空格")
    assert space.disabled  # pinyin waits for its word: tapped, never taken by a key
    kiosk.tap(first_candidate(kiosk))
    assert not space.disabled
    kiosk.tap(space)
    assert form.ids.wish.text.endswith(" ")
    type_keys(kiosk, "slt")
    letter, page = key(kiosk, "q"), key(kiosk, "›")
    assert abs(page.width - letter.width) <= 1 and abs(page.height - letter.height) <= 1  # as large as a key
    kiosk.tap(page)
    assert not key(kiosk, "‹").disabled

    kiosk.tap(form.ids.name)  # a name in Chinese: no space key at all
    assert not [b for b in kiosk.walk(board.board) if getattr(b, "text", None) == "空格" and b.opacity]
    kiosk.tap(key(kiosk, "中 → 英"))  # a Latin name keeps its space ('Zhang Wei', issue 15)
    for letter in "WU":
        kiosk.tap(key(kiosk, letter))
    kiosk.tap(key(kiosk, "空格"))
    kiosk.tap(key(kiosk, "L"))
    assert form.ids.name.text == "wu l"

"""朗读 in the real window: the screen's prompt and errors read aloud (SDL's
silent sound device stands in for the lobby's speaker), again from the start
on a second tap, stopped by a tap elsewhere; in 长辈模式 an error is read out
as it appears; what a visitor chose is rendered by the worker process."""
import pytest

from kiosk.speech.words import clauses, spoken
from kiosk.ui.theme import theme
from tests.test_ui_bookings import booking_kiosk, book_a_seat, tap_choice  # noqa: F401  (fixture)


def read_button(k):
    return k.app.status_bar.ids.read_aloud


def first_sentence(text: str) -> str:
    return clauses(spoken(text))[0]


def test_read_aloud_reads_the_screen_repeats_and_stops_at_a_tap_elsewhere(kiosk):
    k = kiosk
    speaker = k.app.speaker
    assert speaker.available and k.in_view(read_button(k))
    k.tap(read_button(k))
    assert speaker.speaking and speaker.said == [first_sentence("您好！请选择您要办理的事项")]
    k.frames_until(lambda: len(speaker.said) >= 3)  # each clip played out, the next followed
    assert speaker.said[1:3] == ["请选择您要办理的事项", "微心愿"]  # then the tiles, by name
    k.tap(read_button(k))  # again: from the start
    assert speaker.said == [first_sentence("您好！请选择您要办理的事项")]
    k.tap_text("微心愿")  # a tap elsewhere stops it
    assert not speaker.speaking and speaker.said == []
    k.tap(read_button(k))
    assert speaker.said == [first_sentence("第 1 步：选择心愿的类别")]


def test_in_elder_mode_an_error_is_read_out_as_it_appears(kiosk):
    k = kiosk
    theme.elder = True
    k.tap_text("微心愿")
    tap_choice(k, "环境设施")
    k.tap(k.find_text("提交心愿"))  # nothing written
    assert k.screen.fields["text"].error == "请写下您的心愿"
    assert k.app.speaker.speaking and k.app.speaker.said[0] == "请写下您的心愿"
    # 朗读 says the step and then the error at its field
    said = k.screen.said()
    assert said[0].startswith("第 2 步") and "请写下您的心愿" in said


def test_without_elder_mode_an_error_waits_for_read_aloud(kiosk):
    k = kiosk
    k.tap_text("微心愿")
    tap_choice(k, "环境设施")
    k.tap(k.find_text("提交心愿"))
    assert k.screen.fields["text"].error and not k.app.speaker.speaking


def test_a_receipts_ticket_is_rendered_by_the_worker_and_read_digit_by_digit(booking_kiosk):
    k = booking_kiosk
    card = book_a_seat(k, "上午", "5 号")
    speaker = k.app.speaker
    k.tap(read_button(k))
    ticket_sentence = first_sentence(f"{card.receipt.code_words} {card.receipt.ticket}")
    assert ticket_sentence.endswith("".join("零一二三四五六七八九"[int(d)] for d in card.receipt.ticket))
    k.frames_until(lambda: ticket_sentence in speaker.said, seconds=240)
    assert speaker.said[0] == first_sentence("预约成功")  # the shipped part came first
    assert not list((k.app.settings.data_dir / "speech").glob("*.wav"))  # played files are gone


def test_counseling_never_reads_the_chosen_topic_aloud(booking_kiosk):
    k = booking_kiosk
    k.tap_text("恳谈室预约")
    options = k.screen.said()[1:]
    assert options  # the topics are the step's options: read as a menu
    tap_choice(k, options[0])
    assert k.screen.summary and k.screen.summary not in k.screen.said()


@pytest.mark.parametrize("volume", [0.0])
def test_no_sound_no_button(tmp_path, volume):
    from tests.harness import KioskDriver
    k = KioskDriver.start(tmp_path, speech_volume=volume)
    try:
        assert not k.app.speaker.available and read_button(k).width == 0 and read_button(k).disabled
        k.app.read_aloud()  # nothing to hear, nothing breaks
        assert not k.app.speaker.speaking
    finally:
        k.stop()

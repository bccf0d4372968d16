"""Views beyond a screen's first page: a step deep in a flow, a keyboard in
use, a receipt. The screenshot tour renders them and the accessibility
audit checks them, from this one list, so both see the same states."""
from __future__ import annotations


def _keyboard(field: str, typed: str = ""):
    def show(app):
        from kiosk.ui.textentry import open_entry_preview
        open_entry_preview(app).show_keyboard(field, typed)
    return show


# 王 as a finger writes it, in a unit square (y upwards), stroke by stroke
WANG = [[(0.14, 0.86), (0.86, 0.86)], [(0.2, 0.5), (0.8, 0.5)], [(0.5, 0.86), (0.5, 0.12)],
        [(0.08, 0.12), (0.92, 0.12)]]


def _handwriting(field: str, written: bool):
    # the 手写 page, clean (its hint shows), or with 王 written and read (here at
    # once, not on the worker: the tour shoots within a few frames)
    def show(app):
        from kivy.clock import Clock
        from kiosk.handwriting import han
        from kiosk.ui.textentry import open_entry_preview
        open_entry_preview(app).show_keyboard(field)
        board = app.keyboard.pinyin
        board.mode = "hand"
        if not written:
            return

        def write(_dt):  # once the page is laid out (next frame), at the box's size
            ink, reader = board.ids.ink, board.reader
            side = ink.height * 0.8
            x0, y0 = (ink.width - side) / 2, ink.height * 0.1
            ink.write([[(x0 + x * side, y0 + y * side) for x, y in stroke] for stroke in WANG])
            reader.candidates = reader.recogniser.recognise(ink.strokes, ink.size, keep=han)
        Clock.schedule_once(lambda _dt: Clock.schedule_once(write), 0)
    return show


def _study(depth: int):
    def show(app):
        app.go("study")
        screen = app.screens.current_screen
        # the first day with a session still to come: late in the evening, today has none
        slot = next(s for d in app.bookings.open_days() for s in app.bookings.study_sessions(d) if s.left)
        if depth >= 2:
            screen.pick_session(slot)
        if depth >= 3:
            screen.pick_seat(next(n for n, taken in screen.bookings.seat_map(slot.day, slot.session).items()
                                  if not taken))
    return show


def _receipt(app, phone: str = "13812345678"):
    from kiosk.receipt import receipt_for
    app.go("study")
    b = app.bookings
    day = b.open_days()[-1]
    slot = b.study_sessions(day)[0]
    seat = next(n for n, taken in b.seat_map(day, slot.session).items() if not taken)
    booking = b.book_study(day, slot.session, seat, "张伟", phone)
    app.screens.current_screen.show_receipt(receipt_for(booking, b))


def _books(age: int | None):
    def show(app):
        app.go("books")
        screen = app.screens.current_screen
        screen.pick(app.bookings.book_sessions()[0])
        if age is not None:
            screen.pick_age(age)
    return show


def _counseling(depth: int):
    def show(app):
        app.go("counseling")
        screen = app.screens.current_screen
        topic = app.center.counseling_topics[0]
        screen.pick_topic(topic)
        if depth >= 2:
            screen.pick_slot(next(iter(app.bookings.counseling_slots(topic)), None))
    return show


def _books_receipt(app):
    from kiosk.receipt import receipt_for
    app.go("books")
    slot = app.bookings.book_sessions()[-1]
    booking = app.bookings.book_picture(slot.day, slot.session, "小明", 5, "王芳", "13500004444")
    app.screens.current_screen.show_receipt(receipt_for(booking, app.bookings))


def _counseling_receipt(app):
    from kiosk.receipt import receipt_for
    app.go("counseling")
    topic = app.center.counseling_topics[0]
    slot = next(iter(app.bookings.counseling_slots(topic)), None)
    booking = app.bookings.request_counseling(topic, slot, "李娜", "13600003333", "", True)
    app.screens.current_screen.show_receipt(receipt_for(booking, app.bookings))


def _wish_form(app):
    app.go("wish")
    app.screens.current_screen.pick("环境设施")


def _wish_typing(field: str, typed: str = ""):
    # the card half written, the keyboard open on one of its fields
    def show(app):
        _wish_form(app)
        screen = app.screens.current_screen
        screen.fields["text"].text = "希望楼梯安装扶手，"
        if field == "phone":  # the name typed and the wall ticked: the box's drawn check shows
            screen.fields["name"].text = "李娜"
            screen.boxes["consent"].checked = True
        app.keyboard.attach(screen.fields[field])
        if typed:
            app.keyboard.pinyin.composing = typed
    return show


def _wish_receipt(app):
    # a private wish: not on the wall, its code to photograph
    from kiosk.receipt import wish_receipt
    _wish_form(app)
    screen = app.screens.current_screen
    screen.show_receipt(wish_receipt(app.wishes.submit("李娜", "13812345678", "助老助残", "希望楼梯安装扶手",
                                                       consent=False)))


def _leave_prompt(app):
    _wish_typing("text")(app)
    app.keyboard.close()
    app.screens.current_screen.leave(app.go_home)


def _consent_error(app):
    _counseling(2)(app)
    screen = app.screens.current_screen
    screen.fields["name"].text, screen.fields["phone"].text = "赵敏", "13700002222"
    screen.run(screen.confirm)


def _points(catalogue: bool):
    def show(app):
        from kiosk.demo import DEMO_PHONE, DEMO_PIN
        app.go("points")
        screen = app.screens.current_screen
        screen.fields["phone"].text, screen.fields["pin"].text = DEMO_PHONE, DEMO_PIN
        screen.volunteer = screen.passbook.sign_in(DEMO_PHONE, DEMO_PIN)  # at once, not on a thread
        screen.show_book(0)
        if catalogue:
            screen.show_catalogue()
    return show


def _points_exchange(step: str):
    """The passbook's exchange steps: the confirmation, a request waiting on the book, withdrawing it."""
    def show(app):
        _points(False)(app)
        screen = app.screens.current_screen
        item = min(screen.passbook.catalogue(), key=lambda i: i["points"])
        if step == "confirm":
            screen.ask_redeem(item)
            return
        if not screen.passbook.pending(screen.volunteer["id"]):
            screen.passbook.request_redemption(screen.volunteer["id"], item["id"])
        screen.show_book(0)
        if step == "withdraw":
            screen.ask_withdraw(screen.passbook.pending(screen.volunteer["id"])[0])
    return show


def _paused(app):
    # as a visitor meets a pause the office published; resumed at once, so the
    # notice stays on screen and no later view is paused
    app.bookings.pause("今天下午停电检修，暂停预约。明天上午恢复，给您带来不便，敬请谅解。")
    app.go("study")
    app.bookings.resume()


def _ticket_refused(app):
    # a booking the server gave to another kiosk, met at 签到
    from sync.replica import refused
    b = app.bookings
    day = b.open_days()[-1]
    slot = b.study_sessions(day)[-1]
    booking = b.book_study(day, slot.session, 1, "张伟", "13812345678")
    with app.store.transaction() as db:
        refused(db.conn, "booking.create", {"booking": booking}, "seat_taken")
    app.go("ticket")
    screen = app.screens.current_screen
    screen.fields["ticket"].text = booking["ticket"]
    screen.check_in()


def as_staff(app) -> None:
    """Staff mode on (the demo member), as after the PIN pad."""
    if app.staff is None:
        from kiosk.demo import demo_staff_session
        app.enter_staff(demo_staff_session())


def _staff_pin(app):
    from kiosk.demo import DEMO_STAFF_NAME
    app.go("staff_signin")
    screen = app.screens.current_screen
    screen.pick(next(m for m in app.staff_desk.roster() if m.name == DEMO_STAFF_NAME))


def _staff_bookings(app):
    # today's sessions still to come get a booking each, so the list has rows to show
    as_staff(app)
    b = app.bookings
    today = b.now().date()
    for i, slot in enumerate(b.study_sessions(today) if today in b.open_days() else []):
        b.book_study(today, slot.session, 7 + i, "张伟", f"1381234{i:04d}")
    b.request_counseling(app.center.counseling_topics[1], None, "赵敏", "13700002222", "想聊聊家里的事", True)
    app.go("staff_bookings")


def _staff_bookings_all_kiosks(app):
    # as when the server answered: a resident who booked at the other kiosk is listed too
    # (after the staff_bookings_today view: this kiosk's own bookings are made there)
    as_staff(app)
    app.go("staff_bookings")
    from kiosk.sessions import session_start
    from kiosk.desk_reads import ALL_KIOSKS, DeskAnswer
    screen = app.screens.current_screen
    today = app.bookings.now().date()
    starts = session_start(app.center, "study", today, "morning")
    others = [{"id": "elsewhere", "kind": "study", "day": today.isoformat(), "session": "morning", "seat": 12,
               "status": "booked", "starts_at": starts.isoformat() if starts else None,
               "created_at": f"{today}T07:30:00", "ticket": "604218", "name": "李娜", "phone": "139****1111",
               "child_name": None, "child_age": None, "topic": None, "note": None}]
    screen._answered(screen._asked, DeskAnswer(others, ALL_KIOSKS))


def _staff_points_find(app):
    as_staff(app)
    app.go("points")


def _staff_counseling(app):
    as_staff(app)
    app.bookings.request_counseling(app.center.counseling_topics[0], None, "李娜", "13900001111", "", True)
    app.go("staff_counseling")


def _staff_service_hours(app):
    from kiosk.demo import DEMO_PHONE
    as_staff(app)
    app.go("staff_service")
    screen = app.screens.current_screen
    screen.fields["query"].text = DEMO_PHONE
    screen.find()
    screen.pick_hours("助老服务")


def _staff_handover_confirm(app):
    from kiosk.demo import DEMO_PHONE
    as_staff(app)
    volunteer = app.passbook.find_volunteer(DEMO_PHONE)
    item = min(app.passbook.catalogue(), key=lambda i: i["points"])
    app.passbook.request_redemption(volunteer["id"], item["id"])
    app.go("staff_handover")
    screen = app.screens.current_screen
    screen.ask(app.passbook.open_holds()[0])


def _staff_assisted_receipt(app):
    as_staff(app)
    _receipt(app, "13900002468")  # another resident than the study_receipt view's


VIEWS = {
    "study_sessions": _study(1),
    "study_seats": _study(2),
    "study_form": _study(3),
    "study_receipt": _receipt,
    "books_ages": _books(None),
    "books_form": _books(5),
    "books_receipt": _books_receipt,
    "counseling_slots": _counseling(1),
    "counseling_form": _counseling(2),
    "counseling_receipt": _counseling_receipt,
    "wish_form": _wish_form,
    "wish_form_typing": _wish_typing("text", "fushou"),
    "wish_form_last_field": _wish_typing("phone"),
    "wish_receipt": _wish_receipt,
    "leave_prompt": _leave_prompt,
    "consent_error": _consent_error,
    "points_book": _points(False),
    "points_catalogue": _points(True),
    "points_confirm": _points_exchange("confirm"),
    "points_pending": _points_exchange("pending"),
    "points_withdraw": _points_exchange("withdraw"),
    "keyboard": _keyboard("wish", "xinlizix"),
    "keyboard_name": _keyboard("name", "zhangwei"),
    "keyboard_hand": _handwriting("wish", written=True),
    "keyboard_hand_name": _handwriting("name", written=False),
    "keypad": _keyboard("phone"),
    "bookings_paused": _paused,
    "ticket_refused": _ticket_refused,
    # staff mode (views named staff_* run in it; the others without it)
    "staff_signin_pin": _staff_pin,
    "staff_bookings_today": _staff_bookings,
    "staff_bookings_all_kiosks": _staff_bookings_all_kiosks,
    "staff_counseling_today": _staff_counseling,
    "staff_points_find": _staff_points_find,
    "staff_service_hours": _staff_service_hours,
    "staff_handover_confirm": _staff_handover_confirm,
    "staff_assisted_receipt": _staff_assisted_receipt,
}


def in_staff_mode(view: str) -> bool:
    """Whether a registry screen or a view above is shown in staff mode."""
    from screens import BY_NAME
    spec = BY_NAME.get(view)
    return spec.staff if spec else view.startswith("staff_") and view != "staff_signin_pin"

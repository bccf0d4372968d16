"""The registry of mutation types is complete: every type resolves to an
applier on the server (and an undo on the kiosk where it has one), can name
its staff member when a kiosk may send it, and every refusal has words."""
import ast
import inspect

from sync import payloads
from sync.mutations import REASON_WORDS, REGISTRY, Sender
from sync.server import apply


def test_every_type_resolves_to_its_applier_and_undo():
    for spec in REGISTRY.values():
        assert callable(spec.apply_function()), spec.name
        assert spec.undo is None or callable(spec.undo_function()), spec.name


def test_every_type_a_kiosk_may_send_can_carry_the_staff_member_who_made_it():
    for spec in REGISTRY.values():
        if spec.sender is not Sender.OFFICE:
            assert issubclass(spec.payload, payloads.StaffMade), spec.name


def test_every_reason_an_applier_can_give_has_words_for_staff():
    returned = set()
    for node in ast.walk(ast.parse(inspect.getsource(apply))):
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value  # (reason, row)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                returned.add(value.value)
    assert {"not_yours", "waitlist_full", "over_limit"} <= returned
    returned |= {"office_only", "unknown_staff", apply.INVALID}  # given by the push itself
    assert returned - {"duplicate"} <= set(REASON_WORDS)

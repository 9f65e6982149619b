""" "Same as registration address": product 1000 asks for a registration and a residential
address, which are usually one. A box above the second one copies the first into it, keeps it
copied while the first is edited, and locks the copy's fields (unticked, they are editable again
and keep what was copied). The copy is sent as typed fields are: the API gets both addresses.

Pure here (which groups, which fields); the form screen owns the box and the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fpconsole.tui.forms.spec import FormSpec, GroupSpec
from fpconsole.tui.forms.widgets import FieldRow, StateCheckbox
from fpconsole.tui.widgets.compact import made_compact

# (the group that may be a copy, the group it copies), by their last name in the model.
SAME_AS: Final = (("address2", "address1"),)


@dataclass(frozen=True, slots=True)
class SameAs:
    copy: GroupSpec
    original: GroupSpec
    fields: tuple[tuple[str, str], ...]  # (the copy's field, the original's field)

    @property
    def box_id(self) -> str:
        return f"same-{self.copy.widget_id}"

    @property
    def row_id(self) -> str:
        return f"row-same-{self.copy.widget_id}"

    @property
    def label(self) -> str:
        return f"Same as {self.original.label[:1].lower()}{self.original.label[1:]}"


def same_as_pairs(spec: FormSpec) -> tuple[SameAs, ...]:
    found: list[SameAs] = []
    for group in spec.groups:
        prefix, _, name = group.path.rpartition(".")
        for copy_name, original_name in SAME_AS:
            if name != copy_name:
                continue
            original = spec.get_group(f"{prefix}.{original_name}" if prefix else original_name)
            if original is None:
                continue
            fields = tuple(
                (item.name, original.path + item.name[len(group.path) :])
                for item in spec.fields_in(group)
                if spec.get_field(original.path + item.name[len(group.path) :]) is not None
            )
            if fields:
                found.append(SameAs(group, original, fields))
    return tuple(found)


def same_row(same: SameAs) -> FieldRow:
    box = made_compact(StateCheckbox(same.label, value=False, id=same.box_id))
    return FieldRow("", box, id=same.row_id, classes="same-line")

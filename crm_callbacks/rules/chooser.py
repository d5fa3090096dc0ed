"""Prompt to select: several contacts match, the user picks one in the widget.

The chooser is a customized page registered in the widget (a JSON-schema form with
one choice per contact); its submit button comes back as a request to the service's
button path, and the picked contact's page opens. One chooser is pending at a time.
"""

from __future__ import annotations

from typing import Any

from ..actions import post
from ..contacts import Contact, contact_from_json
from ..errors import CallbackError, ErrorCode
from ..router import Context
from .requests import handles_button

CHOOSER_PAGE_ID = "crmCallbacksChooseContact"


def offer_choice(context: Context, phone: str, contacts: list[Contact]) -> None:
    """Show the chooser for `contacts` in the widget and remember it in state."""
    crm = context.adapter.display_name
    options = [{"const": str(i), "title": _describe(c)} for i, c in enumerate(contacts)]
    page = {
        "id": CHOOSER_PAGE_ID,
        "title": f"Open a {crm} contact",
        "type": "page",
        "schema": {
            "type": "object",
            "required": ["contact"],
            "properties": {
                "contact": {
                    "type": "string",
                    "title": f"{len(contacts)} {crm} contacts match {phone}",
                    "oneOf": options,
                }
            },
        },
        "uiSchema": {"submitButtonOptions": {"submitText": "Open"}},
        "formData": {"contact": "0"},
    }
    context.actions.append(post({"type": "rc-adapter-register-customized-page", "page": page}))
    context.actions.append(
        post({"type": "rc-adapter-navigate-to", "path": f"/customized/{CHOOSER_PAGE_ID}"})
    )
    context.state.chooser = {
        "phone": phone,
        "platform": context.adapter.name,
        "contacts": [c.as_dict() for c in contacts],
    }


@handles_button(CHOOSER_PAGE_ID)
def pick(context: Context, button: dict[str, Any]) -> None:
    """Open the contact picked in the chooser; CHOICE_EXPIRED if it is not the pending one."""
    chooser = context.state.chooser
    if not chooser or chooser.get("platform") != context.adapter.name:
        raise CallbackError(ErrorCode.CHOICE_EXPIRED, "that contact list is no longer current")
    form = button.get("formData")
    picked = form.get("contact") if isinstance(form, dict) else None
    contacts = chooser.get("contacts", [])
    if not isinstance(picked, str) or not picked.isdigit() or int(picked) >= len(contacts):
        raise CallbackError(ErrorCode.BAD_MESSAGE, f"no contact {picked!r} in the chooser")
    contact = contact_from_json(contacts[int(picked)])
    context.state.chooser = None
    if context.open_contact_pages([contact]):
        context.actions.append(post({"type": "rc-adapter-navigate-to", "path": "/history"}))


def _describe(contact: Contact) -> str:
    details = ", ".join(part for part in (contact.type, f"#{contact.id}") if part)
    return f"{contact.name or 'Unnamed'} ({details})"

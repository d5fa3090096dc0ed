"""Property tests of the boundary: whatever arrives, `dispatch` answers the contract's
shape, never raises, and never asks to open a URL that fails the guard.

The mutated-message test runs 10,000 examples (about two minutes on 2 cores): every
real widget message, with any field replaced by hostile or arbitrary JSON, on any
supported CRM page, with hostile settings, storage, contacts and state.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_callbacks import ErrorCode, dispatch, dispatch_json
from crm_callbacks.urls import check_open_url
from tests.conftest import WIDGET_MESSAGES, make_request

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)
hostile_text = st.sampled_from(
    [
        "../x",
        "//evil.com",
        "javascript:alert(1)",
        "data:text/html,x",
        "a@evil.com",
        "\r\n",
        "%2e%2e",
        "..",
        ".",
        "",
        "\u202e",
        "x" * 2000,
        "evil.com",
        "https://evil.com",
        "https://cls5.bullhornstaffing.com",
        "+16505550100",
        "Ringing",
        "Inbound",
        "viewLog",
        "/callLogger",
        "/authorize",
        "crmCallbacksChooseContact",
    ]
) | st.text(max_size=30)
anything = json_values | hostile_text
ATS = "cls5.bullhornstaffing.com"
CRM_HOSTS = [
    "acme.pipedrive.com",
    "crm.testcrm.localhost",
    "app.bullhornstaffing.com",
    "eu.app.clio.com",
    "1.app.netsuite.com",
]
MESSAGES = list(WIDGET_MESSAGES["widget_to_parent"].values())
EXAMPLES = int(os.environ.get("CRM_CALLBACKS_EXAMPLES", "10000"))
"""10,000 in CPython; the Pyodide parity run asks for fewer (see scripts/pyodide_tests.mjs)."""


def assert_safe(response: dict[str, Any], hostname: object) -> None:
    """The contract's shape, and every openTab on the page's host (or Bullhorn's ATS)."""
    assert set(response) == {"v", "actions", "state", "errors"}
    assert isinstance(response["state"], dict) and isinstance(response["actions"], list)
    assert all(e["code"] in ErrorCode.__members__ for e in response["errors"])
    for action in response["actions"]:
        if action["type"] == "openTab":
            parts = urlsplit(action["url"])
            assert parts.scheme == "https"
            assert parts.hostname in {hostname, ATS}, action["url"]
            assert check_open_url(action["url"], {hostname, ATS})
    json.dumps(response)


def mutate(value: Any, path: list[str], replacement: Any) -> Any:
    """`value` with the field at `path` (as far as it exists) replaced."""
    if not path or not isinstance(value, dict):
        return replacement
    head, *rest = path
    key = head if head in value else next(iter(value), head)
    return {**value, key: mutate(value.get(key), rest, replacement)}


paths = st.lists(
    st.sampled_from(
        [
            "call",
            "body",
            "type",
            "requestId",
            "path",
            "sessionId",
            "partyData",
            "from",
            "to",
            "direction",
            "telephonyStatus",
            "contactMatch",
            "id",
            "phoneNumber",
            "triggerType",
            "phoneNumbers",
            "sessionIds",
            "button",
            "formData",
            "loggedIn",
            "loginNumber",
        ]
    ),
    min_size=0,
    max_size=3,
)
contexts = st.fixed_dictionaries(
    {
        "settings": st.dictionaries(
            st.sampled_from(
                [
                    "openContactPageFromIncomingCall",
                    "openContactPageFromOutgoingCall",
                    "multiContactMatchBehavior",
                    "openFallbackOnNoMatch",
                    "fallbackContactPageUrls",
                    "serverUrl",
                ]
            ),
            anything | st.sampled_from(["onFirstRing", "onAnswer", "promptToSelect"]),
            max_size=3,
        ),
        "storage": st.dictionaries(
            st.sampled_from(["rcUnifiedCrmExtJwt", "crm_extension_bullhorn_user_urls"]),
            anything | st.just({"atsUrl": f"https://{ATS}"}),
            max_size=2,
        ),
        "contacts": st.dictionaries(
            st.sampled_from(["+16505550100", "+16505550199", "+1 (650) 555-0100"]),
            st.lists(
                st.fixed_dictionaries({"id": anything}, optional={"type": anything}), max_size=3
            ),
            max_size=2,
        ),
    }
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    message=st.sampled_from(MESSAGES),
    host=st.sampled_from(CRM_HOSTS),
    path=paths,
    replacement=anything,
    context=contexts,
    keep_state=st.booleans(),
)
def test_mutated_widget_messages_never_open_a_disallowed_url(
    message, host, path, replacement, context, keep_state
):
    mutated = mutate(copy.deepcopy(message), path, replacement)
    first = dispatch(make_request(mutated, hostname=host, **context))
    assert_safe(first, host)
    # Again with the state it returned, as the shim would: the second event is safe too.
    state = first["state"] if keep_state else {"v": 1, "popped": [replacement]}
    assert_safe(dispatch(make_request(mutated, hostname=host, state=state, **context)), host)


@settings(max_examples=EXAMPLES // 5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_request_is_answered(raw):
    assert_safe(dispatch(raw), None)
    assert_safe(json.loads(dispatch_json(json.dumps(raw))), None)


POPPED_RING = make_request(
    WIDGET_MESSAGES["widget_to_parent"]["active_call_ringing_inbound"],
    contacts={"+16505550199": [{"id": "42"}], "+16505550100": [{"id": "42"}]},
)


@settings(
    max_examples=EXAMPLES // 5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    message=st.sampled_from(MESSAGES),
    path=paths,
    replacement=anything,
    context=contexts,
    nest_deep=st.booleans(),
)
def test_whatever_comes_next_a_popped_call_stays_popped(
    message, path, replacement, context, nest_deep
):
    """Issue 13: no input, however hostile (nested too deep, bad clock, bad values),
    hands back a state that forgot a call already popped."""
    popped = dispatch(POPPED_RING)["state"]["popped"]
    assert popped, "the first ring must pop"
    mutated = mutate(copy.deepcopy(message), path, replacement)
    if nest_deep:
        deep: Any = replacement
        for _ in range(100):
            deep = [deep]
        mutated = {**mutated, "extra": deep} if isinstance(mutated, dict) else [mutated, deep]
    request = make_request(mutated, state={"v": 1, "popped": popped}, **context)
    text = dispatch_json(json.dumps(request))
    text.encode("ascii")  # escaped: any JS JSON.parse reads it
    response = json.loads(text)
    assert set(popped) <= set(response["state"]["popped"])

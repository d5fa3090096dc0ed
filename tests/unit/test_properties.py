"""Property tests of the boundary: whatever arrives, `dispatch` answers the contract's
shape, never raises, and never asks to open a URL that fails the guard."""

from __future__ import annotations

import copy
import json
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_callbacks import ErrorCode, dispatch, dispatch_json
from tests.conftest import WIDGET_MESSAGES, make_request

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
hostile_text = st.sampled_from(
    [
        "../x",
        "//evil.com",
        "javascript:alert(1)",
        "a@evil.com",
        "\r\n",
        "%2e%2e",
        "..",
        "",
        "\u202e",
        "x" * 2000,
        "evil.com",
        "https://evil.com",
    ]
) | st.text(max_size=30)
CRM_HOSTS = ["acme.pipedrive.com", "crm.testcrm.localhost"]
CALL_MESSAGES = [m for m in WIDGET_MESSAGES["widget_to_parent"].values() if "call" in m]


def assert_safe(response: dict, hostname: object) -> None:
    assert set(response) == {"v", "actions", "state", "errors"}
    assert isinstance(response["state"], dict)
    assert all(e["code"] in ErrorCode.__members__ for e in response["errors"])
    for action in response["actions"]:
        if action["type"] == "openTab":
            parts = urlsplit(action["url"])
            assert parts.scheme == "https"
            assert parts.hostname == hostname
            assert "@" not in parts.netloc
    json.dumps(response)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_request_is_answered(raw):
    assert_safe(dispatch(raw), None)
    assert_safe(json.loads(dispatch_json(json.dumps(raw))), None)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    message=st.sampled_from(CALL_MESSAGES),
    host=st.sampled_from(CRM_HOSTS),
    field=st.sampled_from(
        ["sessionId", "direction", "telephonyStatus", "from", "to", "contactMatch", "partyData"]
    ),
    value=json_values | hostile_text,
    contact_id=hostile_text | st.integers(),
)
def test_mutated_widget_messages_never_open_a_disallowed_url(
    message, host, field, value, contact_id
):
    mutated = copy.deepcopy(message)
    mutated["call"][field] = value
    contacts = {"+16505550100": [{"id": contact_id}], "+16505550199": [{"id": contact_id}]}
    settings_ = {"openContactPageFromOutgoingCall": "onFirstRing"}
    response = dispatch(make_request(mutated, hostname=host, contacts=contacts, settings=settings_))
    assert_safe(response, host)

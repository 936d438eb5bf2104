"""Home Assistant MQTT discovery: the station as one device with its entities.

Pure functions: they build the (topic, payload) pairs; the adapter publishes
them retained, once connected and again whenever Home Assistant announces
``online`` on ``<prefix>/status``. Topics follow Home Assistant's single
component discovery, ``<prefix>/<component>/wallhinge_<station_id>/<key>/config``,
and every entity has a ``unique_id``, the shared device block and the
station's availability topic, so it turns unavailable when the station dies.

The rounding and trunk inclination sensors read the last ``rep`` message (a
number per finished rep); count, last verdict, person present and fault read
the retained ``state``.
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from .topics import Topics

# key -> (component, entity config without the common fields)
ENTITIES: dict[str, tuple[str, dict[str, Any]]] = {
    "count": ("sensor", {
        "name": "Count", "icon": "mdi:counter", "unit_of_measurement": "reps", "state_class": "measurement",
        "_state": "state", "value_template": "{{ value_json.count }}",
    }),
    "last_verdict": ("sensor", {
        "name": "Last verdict", "icon": "mdi:check-decagram",
        "_state": "state", "value_template": "{{ value_json.last_verdict or 'none' }}",
    }),
    "rounding": ("sensor", {
        "name": "Rounding", "icon": "mdi:angle-acute", "unit_of_measurement": "°", "state_class": "measurement",
        "_state": "rep", "value_template": "{{ value_json.rounding_deg }}",
    }),
    "trunk_inclination": ("sensor", {
        "name": "Trunk inclination", "icon": "mdi:angle-acute", "unit_of_measurement": "°",
        "state_class": "measurement", "_state": "rep", "value_template": "{{ value_json.trunk_inclination_deg }}",
    }),
    "person_present": ("binary_sensor", {
        "name": "Person present", "device_class": "occupancy",
        "_state": "state", "value_template": "{{ 'ON' if value_json.person_present else 'OFF' }}",
    }),
    "fault": ("binary_sensor", {
        "name": "Fault", "device_class": "problem", "entity_category": "diagnostic",
        "_state": "state", "value_template": "{{ 'ON' if value_json.faults else 'OFF' }}",
        "json_attributes_topic": "_state", "json_attributes_template": "{{ {'faults': value_json.faults} | tojson }}",
    }),
    "start": ("button", {"name": "Start set", "icon": "mdi:play", "_command": "start"}),
    "reset": ("button", {"name": "Reset set", "icon": "mdi:restart", "_command": "reset"}),
    "target": ("number", {
        "name": "Target reps", "icon": "mdi:bullseye-arrow", "min": 1, "max": 200, "step": 1, "mode": "box",
        "_state": "state", "value_template": "{{ value_json.target }}", "_command": "target",
    }),
    "mute": ("switch", {
        "name": "Mute", "icon": "mdi:volume-off", "payload_on": "true", "payload_off": "false",
        "state_on": "true", "state_off": "false",
        "_state": "state", "value_template": "{{ 'true' if value_json.muted else 'false' }}", "_command": "mute",
    }),
}


def device_block(station_id: str) -> dict[str, Any]:
    return {
        "identifiers": [f"wallhinge_{station_id}"],
        "name": f"WallHinge {station_id}",
        "manufacturer": "WallHinge",
        "model": "Hip-hinge wall station",
        "sw_version": __version__,
    }


def discovery_messages(station_id: str, prefix: str = "homeassistant") -> list[tuple[str, dict[str, Any]]]:
    """Every entity's (config topic, config payload); publish each retained."""
    t = Topics(station_id)
    node = f"wallhinge_{station_id}"
    out = []
    for key, (component, spec) in ENTITIES.items():
        cfg: dict[str, Any] = {}
        for k, v in spec.items():
            if k == "_state":
                cfg["state_topic"] = t.state if v == "state" else t.rep
            elif k == "_command":
                cfg["command_topic"] = t.command(v)
            elif v == "_state":
                cfg[k] = t.state
            else:
                cfg[k] = v
        cfg.update({
            "unique_id": f"{node}_{key}",
            # the entity id Home Assistant gives it (object_id, its old name, stops working in HA 2026.4)
            "default_entity_id": f"{component}.{node}_{key}",
            "availability": [{"topic": t.availability, "payload_available": "online",
                              "payload_not_available": "offline"}],
            "device": device_block(station_id),
            "origin": {"name": "WallHinge", "sw_version": __version__},
        })
        out.append((f"{prefix}/{component}/{node}/{key}/config", cfg))
    return out


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)

"""Stations on the network: the MQTT adapter, Home Assistant discovery, the rep outbox.

Nothing here is imported unless ``[mqtt] url`` (or ``--mqtt``) turns it on,
so a station without a broker never loads paho.
"""

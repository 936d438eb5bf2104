"""The clinician's web dashboard and the athlete screen (``python -m device dashboard``).

``app`` (routes and guards), ``auth`` (passwords, logins, CSRF, rate limit),
``clinic`` (users, patients, prescriptions), ``history`` (the station's session
log, read-only), ``livehub`` (the station channel fanned out to browsers),
``plots`` and ``report`` (SVG and PDF from one chart description), ``demo``.
"""

"""How staff passwords are stored."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's recommended parameters (Password Storage Cheat Sheet: m = 19 MiB,
    t = 2, p = 1): memory-hard, so a stolen hash table is costly to attack on GPUs, and ~20 ms of
    one core per login. Django's own defaults (100 MiB, 8 lanes) and PBKDF2 with 1,000,000 rounds
    (~0.4 s of CPU) made the morning's logins the slowest requests of the day: 200 managers logging
    in within two minutes kept both cores of the load-test machine busy (benchmarks/README.md).
    Hashes made with other parameters, or by PBKDF2, still verify and are re-made at the next login."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

"""Public consultations: reading without an account, public registration, caching for
anonymous readers. Who may read is decided in consult/permissions.py (can_read_publicly)."""

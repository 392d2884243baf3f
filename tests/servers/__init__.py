"""Real servers (Radicale, slapd) that the sync tests start and stop."""

"""Code every telehealth service shares: models, auth, AWS clients, errors, config, logging."""

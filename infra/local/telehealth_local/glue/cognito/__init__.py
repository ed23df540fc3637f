"""What Cognito does around moto's user pools (codes, attribute checks, the post-confirmation trigger, lockout)."""

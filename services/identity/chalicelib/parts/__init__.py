"""What the route actions of this service share: stores, rules and AWS calls; app.py imports none of it directly."""

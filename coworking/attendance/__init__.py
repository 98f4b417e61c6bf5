"""Who comes to an activity: "I'll come" for one of its dates, without an account, and its waiting list."""

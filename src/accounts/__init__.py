"""Who is using Porchlight and what they may do: users, sessions, passwords, sign-in, API tokens,
offices, and authz (roles, actions and every scope rule)."""

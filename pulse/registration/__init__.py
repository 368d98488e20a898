"""Node onboarding: registration tokens, setup scripts, auto-register and network discovery."""

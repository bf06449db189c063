"""newsdesk's front ends: the command line and the Discord bot."""

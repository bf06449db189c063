"""`python -m bot.cli`: the same as the `newsdesk` command."""

from bot.cli.main import main

main()

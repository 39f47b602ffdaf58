"""``python -m bot`` runs the gateway alone."""

from bot.app import main

if __name__ == "__main__":
    main()

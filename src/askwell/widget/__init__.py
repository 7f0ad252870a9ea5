"""The embeddable chat widget: its script (GET /widget.js) and the CORS of the chat stream."""

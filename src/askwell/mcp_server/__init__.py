"""The MCP server: assistants as MCP tools, over stdio (`askwell mcp`) and Streamable HTTP (`/mcp`)."""

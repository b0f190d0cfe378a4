"""The API: FastAPI, with a FastMCP server mounted at /mcp/."""

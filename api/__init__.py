"""HTTP layer: FastAPI app factory, dependencies, RFC 9457 errors and routers."""

"""The floor the sandbox's throughput is compared with (bench/sandbox_throughput.py): a bare
Starlette app answering the sandbox's read and write paths with a fixed JSON `ok`, after
reading the body, and nothing else (no signature, no validation, no database).

Run it under the same uvicorn as the sandbox: `python -m uvicorn --app-dir bench/apps
bare_starlette:app --workers N ...`."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ANSWER = b'{"status":"ok","request_status":"success"}'


async def answer(request: Request) -> Response:
    await request.body()
    return Response(ANSWER, media_type="application/json")


app = Starlette(
    routes=[
        Route("/v5/card-api/card/info", answer, methods=["POST"]),
        Route("/v5/card-api/client/add", answer, methods=["POST"]),
    ]
)

"""Small FastAPI service repositories made by the tests (FastAPI and uvicorn are the learner's
requirements, installed by the install phase like any learner's)."""

from __future__ import annotations

REQUIREMENTS = "fastapi\nuvicorn\n"
MANIFEST = """\
capstone: {capstone}
service:
  command: uvicorn app.main:app --host 127.0.0.1 --port 8000
  ready_timeout_s: {ready}
  examples:
    predict: {{features: [5.1, 3.5, 1.4, 0.2]}}
    stream: {{prompt: tell me a story}}
"""
DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
PREDICT_APP = """\
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Features(BaseModel):
    features: list[float]


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/predict")
def predict(body: Features) -> dict[str, int]:
    return {"label": int(sum(body.features) > 10)}
"""
#: Answers good requests, dies on a body without "features".
FRAGILE_APP = """\
import os

from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/predict")
async def predict(request: Request) -> dict[str, int]:
    body = await request.json()
    if not isinstance(body, dict) or "features" not in body:
        os._exit(3)
    return {"label": 1}
"""
#: /generate streams words as they come; /buffered sends everything at the end.
STREAMING_APP = """\
import asyncio

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


async def words():
    for word in "once upon a time there was a small language model".split():
        yield word + " "
        await asyncio.sleep(0.05)


@app.post("/generate")
async def generate() -> StreamingResponse:
    return StreamingResponse(words(), media_type="text/plain")


@app.post("/buffered")
async def buffered() -> StreamingResponse:
    text = [word async for word in words()]
    return StreamingResponse(iter(text), media_type="text/plain")
"""


def service_repo(
    app: str, *, capstone: str = "2.2-production-ml", ready: int = 30
) -> dict[str, str]:
    """The files of a service repository serving ``app`` (app/main.py)."""
    return {
        "capstone.yaml": MANIFEST.format(capstone=capstone, ready=ready),
        "requirements.txt": REQUIREMENTS,
        "Dockerfile": DOCKERFILE,
        "app/__init__.py": "",
        "app/main.py": app,
        "tests/test_app.py": "from app.main import health\n\n\ndef test_health():\n    assert health() == {'status': 'ok'}\n",
    }

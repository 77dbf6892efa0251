# One image for every function; the Knative Service picks one with FUNCTION_TARGET.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY functions functions
COPY local local
RUN npx tsc -p tsconfig.build.json

FROM node:20-slim
ENV NODE_ENV=production
# See knative/100-config.yaml: bounds libvips's memory after large images.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/functions dist/functions
USER node
EXPOSE 8080
# functions-framework reads PORT and FUNCTION_TARGET from the environment Knative gives it.
CMD ["node", "node_modules/@google-cloud/functions-framework/build/src/main.js", "--source=dist/functions/index.js", "--signature-type=http"]

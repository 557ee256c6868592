// PostGraphile v5 over the Đồng Hành database, as a peer for `bench -- commune-page --postgraphile`.
// The amber preset with its defaults; a pool of 10 connections like the API's default
// (DATABASE_MAX_CONNECTIONS=10).
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.POOL_MAX ?? 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5678),
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;

import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** An empty PostgreSQL database for hub processes of their own, and the way to drop it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database beside the run's (DATABASE_URL, a postgres://
 * URL), named after it with `tag` and a random suffix.
 */
export async function scratchDatabase(tag: string): Promise<ScratchDatabase> {
  const base = process.env.DATABASE_URL ?? "";
  if (!base.startsWith("postgres")) {
    throw new Error("this test needs DATABASE_URL=postgres://… beside NATS_URL");
  }
  const url = new URL(base);
  const name = `${url.pathname.slice(1)}_${tag}_${randomBytes(6).toString("hex")}`;
  const server = postgres(base, { max: 1, onnotice: () => {} });
  await server.unsafe(`create database "${name}"`);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await server.unsafe(`drop database if exists "${name}" with (force)`);
      await server.end();
    },
  };
}

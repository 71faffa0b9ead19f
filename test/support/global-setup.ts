import postgres from "postgres";
import { openDatabase } from "../../src/db/client.js";
import { migrate } from "../../src/db/migrate.js";
import { TEMPLATE_SUFFIX } from "./database.js";

/**
 * With DATABASE_URL set, migrate one template database once; every test hub
 * then gets a fresh copy of it (CREATE DATABASE … TEMPLATE), so tests never
 * share rows.
 */
export async function setup(): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === "" || url === "memory://") return async () => {};
  const base = new URL(url);
  const template = `${base.pathname.slice(1)}${TEMPLATE_SUFFIX}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${template}" with (force)`);
  await admin.unsafe(`create database "${template}"`);
  const templateUrl = new URL(url);
  templateUrl.pathname = `/${template}`;
  const location = { kind: "postgres" as const, url: templateUrl.toString() };
  const handle = await openDatabase(location);
  await migrate(handle, location);
  await handle.close();
  return async () => {
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${`${base.pathname.slice(1)}_t_%`}`;
    for (const { datname } of leftovers)
      await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.unsafe(`drop database if exists "${template}" with (force)`);
    await admin.end();
  };
}

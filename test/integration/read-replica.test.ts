import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { migrate } from "../../src/db/migrate";
import { openPostgres } from "../../src/db/postgres";
import { usersRead } from "../../src/db/schema";
import { createTestApp, get, json, postSignup, signupBody } from "../support/app";
import { createEmptyPostgresDatabase, postgresUrl } from "../support/databases";

// A replica is a second PostgreSQL server; here a second database plays its part.
  describe.skipIf(!postgresUrl)("READ_DATABASE_URL", () => {
    let primary: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
    let replica: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
    let handle: ReturnType<typeof openPostgres>;

    beforeAll(async () => {
      [primary, replica] = await Promise.all([createEmptyPostgresDatabase(), createEmptyPostgresDatabase()]);
      await Promise.all(
        [primary.url, replica.url].map(async (url) => {
          const single = openPostgres({ url, poolMax: 1 });
          await migrate(single);
          await single.close();
        }),
      );
      handle = openPostgres({ url: primary.url, readUrl: replica.url, poolMax: 4 });
    });
    afterAll(async () => {
      await handle.close();
      await Promise.all([primary.drop(), replica.drop()]);
    });

    test("GET /users/{id} reads the replica; signup writes the primary", async () => {
      const { app } = createTestApp(handle);
      const onlyOnReplica = {
        id: "01a216f1-00c9-710b-83b1-d21645ab6322",
        name: "Replica Rita",
        email: "rita@example.com",
        displayName: "Rita",
        createdAt: new Date("2025-10-05T12:00:00Z"),
      };
      await handle.readDb.insert(usersRead).values(onlyOnReplica);
      const fromReplica = await app.handle(get(`/users/${onlyOnReplica.id}`));
      expect(fromReplica.status).toBe(200);
      expect(await json(fromReplica)).toMatchObject({ name: "Replica Rita", created_at: "2025-10-05T12:00:00.000Z" });

      const created = await app.handle(postSignup(signupBody()));
      expect(created.status).toBe(201);
      const { id } = await json(created);
      // Not replicated here, so the query side does not see it: proof that it reads the replica.
      expect((await app.handle(get(`/users/${id}`))).status).toBe(404);
      expect(await handle.db.select().from(usersRead)).toHaveLength(1);
    });
  });

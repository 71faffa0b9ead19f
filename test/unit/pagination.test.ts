import { describe, expect, it } from "vitest";
import { OcpiError } from "../../src/ocpi/errors.js";
import { pageHeaders, parsePage } from "../../src/ocpi/pagination.js";

describe("parsePage", () => {
  it("defaults to offset 0 and the server maximum", () => {
    expect(parsePage({}, 100)).toEqual({
      offset: 0,
      limit: 100,
      dateFrom: undefined,
      dateTo: undefined,
    });
  });

  it("caps a larger limit at the server maximum", () => {
    expect(parsePage({ limit: "500" }, 100).limit).toBe(100);
    expect(parsePage({ limit: "10", offset: "20" }, 100)).toMatchObject({ offset: 20, limit: 10 });
  });

  it.each([
    [{ offset: "-1" }, "offset"],
    [{ limit: "abc" }, "limit"],
    [{ date_from: "yesterday" }, "date_from"],
    [{ date_to: "2020-01-01T00:00:00+01:00" }, "date_to"],
  ])("refuses %o with 2001 naming %s", (query, name) => {
    try {
      parsePage(query, 100);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(OcpiError);
      expect((err as OcpiError).statusCode).toBe(2001);
      expect((err as OcpiError).message).toContain(name);
    }
  });
});

describe("pageHeaders", () => {
  const request =
    "http://internal:3000/ocpi/2.2.1/hubclientinfo?date_from=2020-01-01T00:00:00Z&limit=2";

  it("links to the next page on the public URL with every filter kept", () => {
    const headers = pageHeaders(
      request,
      "https://hub.example.com",
      parsePage({ limit: "2" }, 100),
      100,
      5,
    );
    expect(headers["X-Total-Count"]).toBe("5");
    expect(headers["X-Limit"]).toBe("100");
    const link = /^<(.+)>; rel="next"$/.exec(headers.Link ?? "")?.[1] as string;
    const next = new URL(link);
    expect(next.origin).toBe("https://hub.example.com");
    expect(next.pathname).toBe("/ocpi/2.2.1/hubclientinfo");
    expect(next.searchParams.get("offset")).toBe("2");
    expect(next.searchParams.get("limit")).toBe("2");
    expect(next.searchParams.get("date_from")).toBe("2020-01-01T00:00:00Z");
  });

  it("gives no Link on the last page, on an exact multiple, or past the end", () => {
    expect(
      pageHeaders(request, "https://h", parsePage({ offset: "4", limit: "2" }, 100), 100, 5).Link,
    ).toBeUndefined();
    expect(
      pageHeaders(request, "https://h", parsePage({ offset: "2", limit: "2" }, 100), 100, 4).Link,
    ).toBeUndefined();
    expect(
      pageHeaders(request, "https://h", parsePage({ offset: "9" }, 100), 100, 4).Link,
    ).toBeUndefined();
    expect(pageHeaders(request, "https://h", parsePage({}, 100), 100, 0)).toEqual({
      "X-Total-Count": "0",
      "X-Limit": "100",
    });
  });
});

import { describe, expect, it } from "vitest";
import { replaceTopLevelString } from "../../src/ocpi/json-text.js";

describe("replaceTopLevelString", () => {
  const swap = (text: string) => replaceTopLevelString(text, "response_url", "https://hub/cb");

  it("changes the value's bytes only, numbers, escapes and spacing kept", () => {
    const text =
      '{"a": 12.50,\n "response_url" :\t"https://e/x?a=\\u0026b" , "n": 12345678901234567890}';
    expect(swap(text)).toBe(
      '{"a": 12.50,\n "response_url" :\t"https://hub/cb" , "n": 12345678901234567890}',
    );
  });

  it("leaves nested members and string values that look like the name alone", () => {
    const text =
      '{"x":{"response_url":"https://e/inner"},"y":["response_url"],"z":"response_url","response_url":"https://e/outer"}';
    expect(swap(text)).toBe(
      '{"x":{"response_url":"https://e/inner"},"y":["response_url"],"z":"response_url","response_url":"https://hub/cb"}',
    );
  });

  it("reads an escaped member name and replaces every occurrence of a repeated one", () => {
    const text = '{"response\\u005furl":"https://e/1","response_url":"https://e/2"}';
    expect(JSON.parse(swap(text) as string)).toEqual({ response_url: "https://hub/cb" });
    expect(swap(text)).not.toContain("https://e/");
  });

  it("is undefined when the object has no such member with a string value", () => {
    expect(swap('{"other":"x"}')).toBeUndefined();
    expect(swap('{"response_url":null}')).toBeUndefined();
  });
});

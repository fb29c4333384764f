/**
 * The quotes service: paging, search by author, validated creation, and one
 * image per quote kept as a file under `config.uploads`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { config } from "./config.js";
import * as db from "./db.js";
import { emptyOrRows, getOffset } from "./helper.js";

export interface Quote {
  id: number;
  quote: string;
  author: string;
}

/** An error the error handler answers with its status code (any other error is a 500). */
export class HttpError extends Error {
  constructor(message: string, readonly statusCode: number) {
    super(message);
  }
}

export function getMultiple(page = 1): { data: Quote[]; meta: { page: number } } {
  const offset = getOffset(page, config.listPerPage);
  const rows = db.query<Quote>("SELECT id, quote, author FROM quote ORDER BY id OFFSET $1 LIMIT $2", [offset, config.listPerPage]);
  return { data: emptyOrRows(rows), meta: { page } };
}

export function getByAuthor(author: string, page = 1): { data: Quote[]; meta: { page: number } } {
  const offset = getOffset(page, config.listPerPage);
  const rows = db.query<Quote>("SELECT id, quote, author FROM quote WHERE author ILIKE $1 ORDER BY id OFFSET $2 LIMIT $3", [
    `%${author}%`,
    offset,
    config.listPerPage,
  ]);
  return { data: emptyOrRows(rows), meta: { page } };
}

function validateCreate(body: unknown): asserts body is { quote: string; author: string } {
  const messages: string[] = [];
  const q = (body ?? {}) as Record<string, unknown>;
  if (typeof q.quote !== "string" || q.quote === "") messages.push("Quote is empty");
  else if (q.quote.length > 255) messages.push("Quote cannot be longer than 255 characters");
  if (typeof q.author !== "string" || q.author === "") messages.push("Author is empty");
  else if (q.author.length > 255) messages.push("Author name cannot be longer than 255 characters");
  if (messages.length > 0) throw new HttpError(messages.join(", "), 400);
}

export function create(body: unknown): { message: string; quote: Quote } {
  validateCreate(body);
  const rows = db.query<Quote>("INSERT INTO quote (quote, author) VALUES ($1, $2) RETURNING id, quote, author", [body.quote, body.author]);
  return { message: "Quote created successfully", quote: rows[0] };
}

const extensions: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp" };

export function saveImage(id: number, type: string, data: Buffer): { id: number; bytes: number } {
  const ext = extensions[type];
  if (ext === undefined) throw new HttpError(`unsupported image type ${type}`, 415);
  const found = db.query("SELECT id FROM quote WHERE id = $1", [id]);
  if (found.length === 0) throw new HttpError(`no quote ${id}`, 404);
  const file = `${id}.${ext}`;
  mkdirSync(config.uploads, { recursive: true });
  writeFileSync(join(config.uploads, file), data);
  db.query("UPDATE quote SET image = $1, image_type = $2 WHERE id = $3", [file, type, id]);
  return { id, bytes: data.length };
}

export function readImage(id: number): { type: string; data: Buffer } {
  const rows = db.query<{ image: string | null; image_type: string }>("SELECT image, image_type FROM quote WHERE id = $1", [id]);
  if (rows.length === 0 || rows[0].image === null) throw new HttpError(`quote ${id} has no image`, 404);
  return { type: rows[0].image_type, data: readFileSync(join(config.uploads, rows[0].image)) };
}

/**
 * Splits a top-level JSON array, fed as byte chunks, into its elements' bytes, holding only the current
 * element: a multi-GB .json file is loaded in constant memory. The same idea as the ingest API's
 * products splitter (which the CLI may not import): it tracks only what decides where an element ends
 * (brackets, strings, depth-1 commas) and leaves each element's own grammar to JSON.parse.
 */

/** Bytes that are not one well-formed JSON array; `offset` is the byte offset of the problem. */
export class MalformedJsonError extends Error {
  override readonly name = "MalformedJsonError";

  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;

const isWhitespace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

type State = "before" | "first" | "next" | "element" | "after-element" | "after";

export interface SplitterOptions {
  /** Keep and hand out each element's bytes; off when only counting (products). */
  keepBytes: boolean;
  /** Refuse an element bigger than this rather than buffer it without bound. */
  maxElementBytes: number;
}

export class JsonArraySplitter {
  /** Elements completed so far. */
  count = 0;
  private state: State = "before";
  private consumed = 0;
  /** Open brackets of the current element, innermost last. */
  private readonly open: number[] = [];
  private inString = false;
  private escaped = false;
  /** The current element is a number, true, false or null: it ends at whitespace, ',' or ']'. */
  private scalar = false;
  /** Views of the current element's bytes from earlier chunks (Node streams never reuse a chunk). */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private elementOffset = 0;

  constructor(private readonly options: SplitterOptions) {}

  /** Scans one chunk; calls `onElement` with each element that ends in it (empty Buffer when not keeping bytes). */
  write(chunk: Buffer, onElement: (bytes: Buffer) => void): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (this.state) {
        case "element":
          if (this.scanElementByte(byte, i)) {
            // A scalar ends before its delimiter, which the after-element state then reads.
            const end = this.scalar ? i : i + 1;
            this.finish(chunk, start, end, onElement);
            if (this.scalar) i--;
          }
          break;
        case "before":
          if (byte === OPEN_SQUARE) this.state = "first";
          else if (!isWhitespace(byte)) throw this.malformed(`the file is not a JSON array: it starts with ${describe(byte)}`, i);
          break;
        case "first":
        case "next":
          if (isWhitespace(byte)) break;
          if (byte === CLOSE_SQUARE && this.state === "first") {
            this.state = "after";
            break;
          }
          if (byte === CLOSE_SQUARE || byte === COMMA) throw this.malformed(`expected an array element, found ${describe(byte)}`, i);
          start = i;
          this.begin(byte, i);
          break;
        case "after-element":
          if (byte === COMMA) this.state = "next";
          else if (byte === CLOSE_SQUARE) this.state = "after";
          else if (!isWhitespace(byte)) throw this.malformed(`expected ',' or ']' after an element, found ${describe(byte)}`, i);
          break;
        case "after":
          if (!isWhitespace(byte)) throw this.malformed(`unexpected ${describe(byte)} after the array`, i);
          break;
      }
    }
    if (this.state === "element") this.keep(chunk.subarray(start));
    this.consumed += chunk.length;
  }

  /** Checks the array was closed; call after the last chunk. */
  end(): void {
    if (this.state === "after") return;
    if (this.state === "before") throw new MalformedJsonError("the file is empty", this.consumed);
    throw new MalformedJsonError("the file ends before the array is closed", this.consumed);
  }

  private begin(byte: number, i: number): void {
    this.state = "element";
    this.elementOffset = this.consumed + i;
    this.scalar = false;
    if (byte === OPEN_SQUARE || byte === OPEN_CURLY) this.open.push(byte);
    else if (byte === QUOTE) this.inString = true;
    else this.scalar = true;
  }

  /** Consumes one byte of the current element; true when the element ends at it. */
  private scanElementByte(byte: number, i: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === BACKSLASH) this.escaped = true;
      else if (byte === QUOTE) {
        this.inString = false;
        return this.open.length === 0;
      }
      return false;
    }
    if (this.scalar) return isWhitespace(byte) || byte === COMMA || byte === CLOSE_SQUARE;
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN_SQUARE || byte === OPEN_CURLY) this.open.push(byte);
    else if (byte === CLOSE_SQUARE || byte === CLOSE_CURLY) {
      // A mismatched closer would make every later boundary wrong: stop here rather than mis-split.
      if (this.open.pop() !== (byte === CLOSE_SQUARE ? OPEN_SQUARE : OPEN_CURLY)) throw this.malformed(`${describe(byte)} does not match the open bracket`, i);
      return this.open.length === 0;
    }
    return false;
  }

  private finish(chunk: Buffer, start: number, end: number, onElement: (bytes: Buffer) => void): void {
    this.keep(chunk.subarray(start, end));
    const bytes = this.options.keepBytes ? Buffer.concat(this.parts, this.partsBytes) : EMPTY;
    this.parts = [];
    this.partsBytes = 0;
    this.state = "after-element";
    this.count++;
    onElement(bytes);
  }

  private keep(part: Buffer): void {
    this.partsBytes += part.length;
    if (this.partsBytes > this.options.maxElementBytes) {
      throw new MalformedJsonError(`the element starting here is larger than ${this.options.maxElementBytes} bytes`, this.elementOffset);
    }
    if (this.options.keepBytes && part.length > 0) this.parts.push(part);
  }

  /** `at` is an index into the chunk being scanned. */
  private malformed(message: string, at: number): MalformedJsonError {
    return new MalformedJsonError(message, this.consumed + at);
  }
}

const EMPTY = Buffer.alloc(0);

function describe(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, "0")}`;
}

// The real D1 binding over local HTTP, for tests/fakes/real_d1.py. One POST per D1 call (a batch is
// one call), so the Python side can count round trips exactly as the edge would pay them.
// Bytes cross as {"$bytes": base64} because JSON has no binary type; {"$bigint"} and {"$object"} stand
// for what Pyodide would pass for a huge int or a Python object, so D1's bind() judges them itself.

function value(v) {
  if (v !== null && typeof v === "object") {
    if (typeof v.$bytes === "string") return Uint8Array.from(atob(v.$bytes), (c) => c.charCodeAt(0));
    if (typeof v.$bigint === "string") return BigInt(v.$bigint);
    if (typeof v.$object === "string") return { python: v.$object };
  }
  return v;
}

function statement(env, s) {
  const st = env.DB.prepare(s.sql);
  return s.params && s.params.length ? st.bind(...s.params.map(value)) : st;
}

async function call(env, body) {
  switch (body.op) {
    case "all":
      return statement(env, body).all();
    case "run":
      return statement(env, body).run();
    case "first":
      return body.column == null ? statement(env, body).first() : statement(env, body).first(body.column);
    case "raw":
      return statement(env, body).raw({ columnNames: !!body.columnNames });
    case "batch":
      return env.DB.batch(body.statements.map((s) => statement(env, s)));
    case "exec":
      return env.DB.exec(body.sql);
    default:
      throw new Error(`unknown op ${body.op}`);
  }
}

export default {
  async fetch(request, env) {
    const body = await request.json();
    try {
      return Response.json({ ok: true, result: await call(env, body) });
    } catch (err) {
      return Response.json({ ok: false, error: String(err && err.message ? err.message : err) });
    }
  },
};

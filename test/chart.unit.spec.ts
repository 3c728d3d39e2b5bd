// Static checks of the deployment files that hold whatever the machine has (no helm, docker or
// cluster needed): the chart's values against the services and ports of docs/architecture.md, the
// shared Dockerfile pattern, and the Tiltfile's wiring. `helm lint`/`helm template` are run by hand
// (docs/operations.md), since helm is not part of the toolchain.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { devServiceCredential } from "@atendo/service-kit";
import { parse } from "yaml";
import { devAuthEnv } from "../scripts/lib/auth-env.js";
import { EDGE_PORT, FAKE_GRAPH_PORT, SERVICE_PORTS } from "../scripts/lib/dev-ports.js";
import { SERVICES } from "../scripts/lib/stack.js";

const root = process.env.ATENDO_ROOT ?? process.cwd();
const chart = join(root, "charts", "atendo");
const read = (...p: string[]): string => readFileSync(join(root, ...p), "utf8");
const yamlOf = (...p: string[]): Record<string, unknown> =>
  parse(read(...p), { uniqueKeys: true }) as Record<string, unknown>;

interface ServiceValues {
  port: number;
  replicas: number;
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
  autoscaling: {
    enabled: boolean;
    minReplicas: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage: number;
  };
  pdb: { enabled: boolean; minAvailable: number };
  env: Record<string, string>;
  secretEnv: string[];
  optionalSecretEnv?: string[];
}

// Variables that hold secrets: they may come only from the Secret, never from values.
const SECRET_VARIABLES = [
  "SERVICE_CREDENTIAL",
  "SERVICE_CREDENTIALS",
  "CHANNEL_SECRET_KEYS",
  "CHANNEL_CACHE_KEY",
  "MEDIA_URL_KEY",
  "S3_ACCESS_KEY_ID",
  "S3_SECRET_ACCESS_KEY",
  "PLATFORM_ADMIN_EMAILS",
  "SMTP_URL",
  "DATABASE_URL",
  "MIGRATION_DATABASE_URL",
];

describe("deployment files", () => {
  it("docs/architecture.md lists the ports the dev runner, Envoy and the chart use", () => {
    const line = /Local ports: ([^.]+)\./.exec(read("docs", "architecture.md"))?.[1]?.replace(/\s+/g, " ");
    assert.ok(line, "docs/architecture.md has its 'Local ports:' line");
    const documented = Object.fromEntries(
      line.split(", ").map((part) => {
        const m = /^(.+) (\d+)$/.exec(part.trim());
        assert.ok(m, `a "name port" pair: ${part}`);
        return [m[1], Number(m[2])];
      }),
    );
    assert.deepEqual(documented, { edge: EDGE_PORT, ...SERVICE_PORTS, "fake Graph API": FAKE_GRAPH_PORT });
  });

  describe("charts/atendo", () => {
    const values = yamlOf("charts", "atendo", "values.yaml");
    const dev = yamlOf("charts", "atendo", "values-dev.yaml");
    const services = values.services as Record<string, ServiceValues>;

    it("has a v2 Chart.yaml", () => {
      const meta = yamlOf("charts", "atendo", "Chart.yaml");
      assert.equal(meta.apiVersion, "v2");
      assert.equal(meta.name, "atendo");
      assert.match(String(meta.version), /^\d+\.\d+\.\d+$/);
      assert.equal(meta.type, "application");
    });

    it("lists exactly the six services, each on its documented port", () => {
      assert.deepEqual(Object.keys(services).sort(), [...SERVICES].sort());
      for (const name of SERVICES) assert.equal(services[name]?.port, SERVICE_PORTS[name], name);
    });

    it("sizes every service: replicas, resources, HPA bounds and a disruption budget", () => {
      for (const [name, s] of Object.entries(services)) {
        assert.ok(Number.isInteger(s.replicas) && s.replicas >= 1, `${name}.replicas`);
        assert.match(s.resources.requests.cpu, /^\d+m?$/, `${name} cpu request`);
        assert.match(s.resources.requests.memory, /^\d+(Mi|Gi)$/, `${name} memory request`);
        assert.match(s.resources.limits.memory, /^\d+(Mi|Gi)$/, `${name} memory limit`);
        const hpa = s.autoscaling;
        assert.ok(hpa.enabled, `${name} autoscales in production`);
        assert.ok(hpa.minReplicas >= 2 && hpa.minReplicas <= hpa.maxReplicas, `${name} HPA bounds`);
        assert.ok(hpa.targetCPUUtilizationPercentage > 0 && hpa.targetCPUUtilizationPercentage <= 100);
        assert.ok(s.pdb.enabled && s.pdb.minAvailable < hpa.minReplicas, `${name} PDB lets one pod go`);
      }
    });

    it("keeps secrets out of values: only Secret key names, and in-cluster dependencies off", () => {
      const strings: string[] = [];
      const walk = (v: unknown): void => {
        if (typeof v === "string") strings.push(v);
        else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) walk(x);
      };
      walk(values);
      for (const s of strings) assert.doesNotMatch(s, /:\/\/[^\s/]*:[^\s/]*@/, "no URL with a password");
      assert.equal(services.tenant?.secretEnv.includes("CHANNEL_SECRET_KEYS"), true);
      for (const dep of ["postgres", "redis", "nats", "qdrant", "devSecrets"]) {
        assert.equal((values[dep] as { enabled: boolean }).enabled, false, `${dep} is off by default`);
        assert.equal((dev[dep] as { enabled: boolean }).enabled, true, `${dep} is on in values-dev.yaml`);
      }
      const deployment = read("charts", "atendo", "templates", "deployment.yaml");
      for (const key of ["DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "NATS_URL"]) {
        assert.match(deployment, new RegExp(`name: ${key}\\n\\s+valueFrom:\\n\\s+secretKeyRef:`), key);
      }
    });

    it("gives every service its own SERVICE_CREDENTIAL and the auth keys from the Secret only", () => {
      const deployment = read("charts", "atendo", "templates", "deployment.yaml");
      assert.match(
        deployment,
        /- name: SERVICE_CREDENTIAL\n\s+valueFrom:\n\s+secretKeyRef: \{ name: \{\{ \$root\.Values\.secrets\.name \}\}, key: \{\{ upper \$name \}\}_SERVICE_CREDENTIAL \}/,
      );
      assert.match(
        deployment,
        /range \$key := \$svc\.optionalSecretEnv \}\}\n\s+- name: \{\{ \$key \}\}\n\s+valueFrom:\n\s+secretKeyRef: \{ name: [^,]+, key: \{\{ \$key \}\}, optional: true \}/,
      );
      assert.deepEqual(services.tenant?.secretEnv.sort(), [
        "CHANNEL_SECRET_KEYS",
        "SERVICE_CREDENTIALS",
        "SMTP_URL",
      ]);
      assert.deepEqual(services.tenant?.optionalSecretEnv, ["PLATFORM_ADMIN_EMAILS"]);
      assert.deepEqual(services.ingress?.secretEnv, ["CHANNEL_CACHE_KEY", "MEDIA_URL_KEY"]);
      assert.deepEqual(services.ingress?.optionalSecretEnv, ["S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"]);
      for (const file of [values, dev]) {
        const plain = [
          ...Object.keys((file.commonEnv as Record<string, string> | undefined) ?? {}),
          ...Object.values(
            (file.services as Record<string, Partial<ServiceValues>> | undefined) ?? {},
          ).flatMap((svc) => Object.keys(svc.env ?? {})),
        ];
        for (const key of SECRET_VARIABLES) assert.ok(!plain.includes(key), `${key} is not a plain value`);
      }
      assert.equal((values.commonEnv as Record<string, string>).AUTH_ISSUER, "atendo");
    });

    it("has the development Secret hold every key the services read, with the local well-known values", () => {
      const devSecrets = read("charts", "atendo", "templates", "dev-secrets.yaml");
      const keys = new Set([...devSecrets.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]));
      for (const [name, svc] of Object.entries(services)) {
        for (const key of [...svc.secretEnv, ...(svc.optionalSecretEnv ?? [])]) {
          assert.ok(keys.has(key), `the dev Secret has ${key} (${name})`);
        }
      }
      for (const key of ["MIGRATION_DATABASE_URL", "REDIS_URL", "NATS_URL"]) assert.ok(keys.has(key), key);
      // Per-service keys are written in the loop over services.
      assert.match(devSecrets, /\{\{ upper \$name \}\}_DATABASE_URL: /);
      assert.match(
        devSecrets,
        /\{\{ upper \$name \}\}_SERVICE_CREDENTIAL: \{\{ printf "dev-service-credential-%s" \$name \| quote \}\}/,
      );
      assert.equal(devServiceCredential("x"), "dev-service-credential-x", "the services' own dev credential");
      assert.match(
        devSecrets,
        /append \$credentials \(printf "%s:dev-service-credential-%s" \$name \$name\)/,
        "SERVICE_CREDENTIALS lists every service's dev credential",
      );
      assert.match(devSecrets, /SERVICE_CREDENTIALS: \{\{ join "," \$credentials \| quote \}\}/);
      const dev = devAuthEnv();
      assert.ok(devSecrets.includes(`PLATFORM_ADMIN_EMAILS: "${dev.platformAdminEmails.join(",")}"`));
      assert.ok(devSecrets.includes(`CHANNEL_CACHE_KEY: "${dev.channelCacheKey}"`));
    });

    it("probes liveness on /healthz and readiness on /readyz", () => {
      const deployment = read("charts", "atendo", "templates", "deployment.yaml");
      assert.match(deployment, /livenessProbe:\n\s+httpGet: \{ path: \/healthz, port: rpc \}/);
      assert.match(deployment, /readinessProbe:\n\s+httpGet: \{ path: \/readyz, port: rpc \}/);
      assert.match(deployment, /startupProbe:\n\s+httpGet: \{ path: \/healthz, port: rpc \}/);
    });

    it("names the headless Services the way gateway-envoy/envoy.yaml addresses them", () => {
      assert.equal(values.fullnameOverride, "atendo");
      const service = read("charts", "atendo", "templates", "service.yaml");
      assert.match(service, /name: \{\{ include "atendo\.fullname" \$root \}\}-\{\{ \$name \}\}-headless/);
      const envoy = read("gateway-envoy", "envoy.yaml");
      for (const name of SERVICES) assert.ok(envoy.includes(`atendo-${name}-headless`), name);
    });

    it("has one template per concern and no leftover files", () => {
      const templates = readdirSync(join(chart, "templates")).sort();
      for (const t of [
        "_helpers.tpl",
        "configmap.yaml",
        "deployment.yaml",
        "dev-secrets.yaml",
        "edge.yaml",
        "hpa.yaml",
        "nats.yaml",
        "pdb.yaml",
        "postgres.yaml",
        "qdrant.yaml",
        "redis.yaml",
        "service.yaml",
      ]) {
        assert.ok(templates.includes(t), `templates/${t}`);
      }
    });
  });

  describe("Dockerfiles", () => {
    const normalise = (name: string, text: string): string =>
      text
        .replaceAll(`services/${name}/`, "services/SERVICE/")
        .replaceAll(`atendo/${name} `, "atendo/SERVICE ")
        .replace(`# The ${name} service.`, "# The SERVICE service.")
        .replaceAll(`ARG SERVICE=${name}`, "ARG SERVICE=SERVICE")
        .replace(`ARG PORT=${SERVICE_PORTS[name as keyof typeof SERVICE_PORTS]}`, "ARG PORT=PORT");

    it("every service has one, built from the same pattern with its own name and port", () => {
      const first = SERVICES[0];
      const pattern = normalise(first, read("services", first, "Dockerfile"));
      for (const name of SERVICES) {
        const file = join(root, "services", name, "Dockerfile");
        assert.ok(existsSync(file), `services/${name}/Dockerfile`);
        const text = readFileSync(file, "utf8");
        assert.match(text, new RegExp(`^ARG PORT=${SERVICE_PORTS[name]}$`, "m"), `${name} port`);
        assert.equal(normalise(name, text), pattern, `${name} follows the shared pattern`);
      }
    });

    it("runs as a non-root user with the dev command, a health check and the port exposed", () => {
      const text = read("services", "tenant", "Dockerfile");
      assert.match(text, /^FROM \$\{NODE_IMAGE\}$/m);
      assert.match(text, /^ARG NODE_IMAGE=node:24-slim$/m);
      assert.match(text, /^USER node$/m);
      assert.match(text, /^EXPOSE \$\{PORT\}$/m);
      assert.match(text, /^HEALTHCHECK .*\n.*\/healthz/m);
      assert.match(text, /^CMD \["node", "--import", "tsx", "src\/main.ts"\]$/m);
      assert.match(text, /npm ci --omit=dev .*--workspace "services\/\$\{SERVICE\}"/);
    });
  });

  describe("Tiltfile", () => {
    const tilt = read("Tiltfile");

    it("builds every service and the edge, and deploys the chart with the dev values", () => {
      for (const name of SERVICES) {
        assert.ok(tilt.includes(`"${name}"`), `Tiltfile knows ${name}`);
      }
      assert.match(tilt, /docker_build\(\s*"atendo\/" \+ name/);
      assert.match(tilt, /dockerfile="services\/%s\/Dockerfile" % name/);
      assert.match(tilt, /docker_build\(\s*"atendo\/edge"/);
      assert.match(tilt, /helm\(\s*"charts\/atendo"/);
      assert.match(tilt, /values=\["charts\/atendo\/values-dev.yaml"\]/);
      assert.match(tilt, /port_forwards=\["7100:8080"\]/);
    });
  });
});

// Checks a Kafka Connect REST payload for Debezium's MongoDB connector against the connector's own
// ConfigDef (jars from scripts/servers/debezium-mongodb.sh): every key must be one the connector or
// Kafka Connect defines, and ConfigDef.validate must find no error in the values given. Nothing
// connects to a server (FerretDB has no change streams, so the connector cannot run here).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { skipReasonFor } from './prerequisites.js';

const run = promisify(execFile);
export const debeziumVersion = process.env.HEADWATER_DEBEZIUM_VERSION ?? '3.0.8.Final';
const libs = join(process.env.HEADWATER_DEBEZIUM_MONGODB_HOME ?? join(homedir(), '.cache', 'headwater', `debezium-mongodb-${debeziumVersion}`), 'libs');

export function missingDebeziumMongo(): string | undefined {
  if (!existsSync(join(libs, '.complete'))) return `Debezium MongoDB connector jars are missing in ${libs}: run scripts/servers/debezium-mongodb.sh (needs mvn)`;
  if (!existsSync('/usr/bin/javac')) return 'javac is missing: install a JDK with scripts/install-system.sh';
  return undefined;
}

export function debeziumMongoSkipReason(): string | false {
  return skipReasonFor(missingDebeziumMongo());
}

const CHECKER = `
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.*;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
public class CheckMongoConfig {
  public static void main(String[] args) throws Exception {
    Map<?, ?> payload = new ObjectMapper().readValue(new File(args[0]), Map.class);
    Map<String, String> config = new TreeMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) payload.get("config")).entrySet()) config.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
    ConfigDef def = new io.debezium.connector.mongodb.MongoDbConnector().config();
    Set<String> framework = new HashSet<>(Arrays.asList(args).subList(1, args.length));
    List<String> problems = new ArrayList<>();
    for (String key : config.keySet()) if (!def.configKeys().containsKey(key) && !framework.contains(key)) problems.add("unknown property " + key);
    for (ConfigValue value : def.validate(config)) {
      if (config.containsKey(value.name()) && !value.errorMessages().isEmpty()) problems.add(value.name() + ": " + value.errorMessages());
    }
    System.out.println(new ObjectMapper().writeValueAsString(Map.of("checked", config.size(), "problems", problems)));
  }
}
`;

/** Kafka Connect's own keys (ConnectorConfig, topic creation) and Headwater's provenance note, which no connector defines. */
const FRAMEWORK = ['connector.class', 'tasks.max', 'topic.creation.default.replication.factor', 'topic.creation.default.partitions', 'headwater.generated.from'];

/** Problems the connector's ConfigDef finds in a payload file, and how many keys it checked. */
export async function checkDebeziumMongoConfig(payloadFile: string): Promise<{ checked: number; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'hw-dbz-mongo-'));
  try {
    writeFileSync(join(dir, 'CheckMongoConfig.java'), CHECKER);
    await run('javac', ['-cp', `${libs}/*`, '-d', dir, join(dir, 'CheckMongoConfig.java')], { timeout: 120_000 });
    const { stdout } = await run('java', ['-cp', `${libs}/*:${dir}`, 'CheckMongoConfig', payloadFile, ...FRAMEWORK], { timeout: 120_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as { checked: number; problems: string[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

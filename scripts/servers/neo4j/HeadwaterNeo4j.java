// A Neo4j test server: the embedded database with Bolt on 127.0.0.1:<port>, no auth, no TLS, a small
// page cache, and two logs, since community edition has no query log: the transaction log names every
// transaction that committed changes (its metadata and user), and the query log every query the
// server ran (its outcome, transaction metadata and text), so tests prove a reader sent only reads.
// Usage: java -cp "libs/*:classes" HeadwaterNeo4j <dir> <bolt-port> <tx-log-file> <query-log-file>
import java.io.FileWriter;
import java.io.IOException;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.event.TransactionData;
import org.neo4j.graphdb.event.TransactionEventListenerAdapter;
import org.neo4j.gqlstatus.ErrorGqlStatusObject;
import org.neo4j.kernel.api.exceptions.Status;
import org.neo4j.kernel.api.query.ExecutingQuery;
import org.neo4j.kernel.impl.query.QueryExecutionMonitor;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.monitoring.Monitors;

public final class HeadwaterNeo4j {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    String txLog = args[2];
    String queryLog = args[3];
    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(dir)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        .setConfig(GraphDatabaseSettings.auth_enabled, false)
        .setConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown));
    dbms.registerTransactionEventListener(GraphDatabaseSettings.DEFAULT_DATABASE_NAME, new TransactionEventListenerAdapter<Object>() {
      @Override
      public void afterCommit(TransactionData data, Object state, GraphDatabaseService db) {
        String line = "write tx=" + data.getTransactionId() + " user=" + data.username() + " meta=" + data.metaData()
            + " nodes+=" + count(data.createdNodes()) + " rels+=" + count(data.createdRelationships())
            + " props=" + count(data.assignedNodeProperties()) + "\n";
        append(txLog, line);
      }
    });
    GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    Monitors monitors = ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(Monitors.class);
    monitors.addMonitorListener(new QueryExecutionMonitor() {
      public void startProcessing(ExecutingQuery q) {}
      public void startExecution(ExecutingQuery q) {}
      public void endFailure(ExecutingQuery q, Throwable failure) { log(q, "failed"); }
      public void endFailure(ExecutingQuery q, String reason, Status status, ErrorGqlStatusObject gql) { log(q, "failed"); }
      public void endSuccess(ExecutingQuery q) { log(q, "ok"); }
      private void log(ExecutingQuery q, String outcome) {
        String text = q.rawQueryText().replace('\n', ' ');
        append(queryLog, "query " + outcome + " meta=" + q.transactionAnnotationData() + " text=" + text + "\n");
      }
    });
    System.out.println("HEADWATER NEO4J READY " + db.isAvailable(60_000));
    Thread.currentThread().join();
  }

  private static synchronized void append(String file, String line) {
    try (FileWriter out = new FileWriter(file, true)) {
      out.write(line);
    } catch (IOException e) {
      System.err.println(file + ": " + e);
    }
  }

  private static long count(Iterable<?> items) {
    long n = 0;
    for (Object ignored : items) n++;
    return n;
  }
}

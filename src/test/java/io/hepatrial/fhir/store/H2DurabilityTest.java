package io.hepatrial.fhir.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * A write the service has acknowledged survives the process being killed right after it, on the
 * H2 database as the service opens it (the URL in application.properties). H2 otherwise keeps
 * committed changes in memory until its next store, up to WRITE_DELAY (500 ms) later.
 */
class H2DurabilityTest {

    @Test
    void aCommittedRowSurvivesTheProcessBeingKilledRightAfterTheCommit() throws Exception {
        Path dir = Files.createTempDirectory("h2-durability");
        String url = serviceH2Url().replace("./data/hepatrial", dir.resolve("hepatrial").toString());
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CommitThenWait.class.getName(), url)
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("committed")) {
                // the child's start-up output, if any
            }
            assertEquals("committed", line, "the child process committed its row");
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no closing of the database
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("select count(*) from acknowledged")) {
            rows.next();
            assertEquals(1, rows.getInt(1), "the committed row is still there after the kill");
        }
    }

    /** The service's default H2 URL: the fallback of ${HEPATRIAL_H2_URL:...} in application.properties. */
    static String serviceH2Url() throws Exception {
        Properties properties = new Properties();
        try (InputStream in = H2DurabilityTest.class.getResourceAsStream("/application.properties")) {
            properties.load(in);
        }
        Matcher fallback = Pattern.compile("\\$\\{HEPATRIAL_H2_URL:(.*)}").matcher(properties.getProperty("quarkus.datasource.\"h2\".jdbc.url"));
        assertTrue(fallback.matches(), "the H2 URL has a default");
        return fallback.group(1);
    }

    /** Commits one row, says so, and waits to be killed. */
    public static class CommitThenWait {
        public static void main(String[] args) throws Exception {
            Connection connection = DriverManager.getConnection(args[0], "sa", "");
            try (Statement statement = connection.createStatement()) {
                statement.execute("create table acknowledged (id int primary key)");
                connection.setAutoCommit(false);
                statement.execute("insert into acknowledged values (1)");
                connection.commit();
            }
            System.out.println("committed");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }
}

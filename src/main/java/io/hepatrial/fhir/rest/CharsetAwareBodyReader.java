package io.hepatrial.fhir.rest;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyReader;
import jakarta.ws.rs.ext.Provider;

/**
 * Reads a request body as text in the charset its Content-Type names. Quarkus REST's own reader
 * decodes every body as UTF-8, so a client that sends Latin-1 and says so (some HTTP libraries do
 * by default) had "Müller" stored as "M\uFFFDller". FHIR says clients use UTF-8 (http.html); one
 * that declares another charset is understood rather than silently corrupted.
 */
@Provider
@Consumes(MediaType.WILDCARD)
@Priority(jakarta.ws.rs.Priorities.USER)
public class CharsetAwareBodyReader implements MessageBodyReader<String> {

    @Override
    public boolean isReadable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return type == String.class;
    }

    @Override
    public String readFrom(Class<String> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, String> headers, InputStream body) throws IOException {
        return new String(body.readAllBytes(), charset(mediaType));
    }

    private static Charset charset(MediaType mediaType) {
        String name = mediaType == null ? null : mediaType.getParameters().get(MediaType.CHARSET_PARAMETER);
        if (name == null || name.isBlank()) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name.trim().replace("\"", ""));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new FhirException(415, IssueType.NOTSUPPORTED, "Content-Type " + mediaType + " names a charset this server does not"
                    + " know; send UTF-8 (http.html)");
        }
    }
}

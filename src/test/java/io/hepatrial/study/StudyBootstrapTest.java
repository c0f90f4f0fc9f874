package io.hepatrial.study;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** The study's ResearchStudy is there from the first start, once, findable by either registry number. */
@QuarkusTest
class StudyBootstrapTest {

    @Inject
    StudyBootstrap bootstrap;

    @Test
    void theStudyIsLoadedOnceAndFoundByBothRegistryNumbers() {
        String id = given().urlEncodingEnabled(false).get("/fhir/ResearchStudy?identifier=https://clinicaltrials.gov/nctid%7CNCT01491165")
                .then().statusCode(200).body("total", equalTo(1)).extract().path("entry[0].resource.id");
        given().get("/fhir/ResearchStudy?identifier=NCT01491165").then().statusCode(200)
                .body("total", equalTo(1)).body("entry[0].resource.id", equalTo(id))
                .body("entry[0].resource.identifier.value", hasItems("NCT01491165", "ChiCTR-TNRC-11001488"))
                .body("entry[0].resource.arm.name", hasItems("peripheral-intravenous", "hepatic-artery"));
        given().get("/fhir/ResearchStudy?identifier=ChiCTR-TNRC-11001488").then().statusCode(200)
                .body("entry[0].resource.id", equalTo(id));

        // a second start (or another replica) adds nothing
        bootstrap.ensureStudy();
        given().get("/fhir/ResearchStudy?identifier=NCT01491165").then().body("total", equalTo(1));
    }
}

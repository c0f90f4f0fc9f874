package io.hepatrial.study;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Child-Pugh at every boundary of its table and MELD / MELD-Na at their bounds and clamps; the
 * expected figures are worked out by hand from the published definitions (docs/outcomes.md).
 */
class ClinicalScoresTest {

    @ParameterizedTest(name = "bilirubin {0} mg/dL → {1} point(s)")
    @CsvSource({"1.0,1", "1.99,1", "2.0,2", "3.0,2", "3.01,3", "10,3"})
    void bilirubinPoints(double bilirubin, int points) {
        // the other four items at 1 point each
        assertEquals(4 + points, ClinicalScores.childPugh(bilirubin, 4.0, 1.0, 0, 0).score());
    }

    @ParameterizedTest(name = "albumin {0} g/dL → {1} point(s)")
    @CsvSource({"4.0,1", "3.51,1", "3.5,2", "2.8,2", "2.79,3", "2.0,3"})
    void albuminPoints(double albumin, int points) {
        assertEquals(4 + points, ClinicalScores.childPugh(1.0, albumin, 1.0, 0, 0).score());
    }

    @ParameterizedTest(name = "INR {0} → {1} point(s)")
    @CsvSource({"1.0,1", "1.69,1", "1.7,2", "2.3,2", "2.31,3"})
    void inrPoints(double inr, int points) {
        assertEquals(4 + points, ClinicalScores.childPugh(1.0, 4.0, inr, 0, 0).score());
    }

    @ParameterizedTest(name = "ascites grade {0}, encephalopathy grade {1} → {2} points")
    @CsvSource({"0,0,2", "1,0,3", "2,0,4", "3,0,4", "0,1,3", "0,2,3", "0,3,4", "0,4,4"})
    void ascitesAndEncephalopathyPoints(int ascites, int encephalopathy, int points) {
        assertEquals(3 + points, ClinicalScores.childPugh(1.0, 4.0, 1.0, ascites, encephalopathy).score());
    }

    @Test
    void classBoundaries() {
        assertEquals(new ClinicalScores.ChildPugh(5, "A"), ClinicalScores.childPugh(1.0, 4.0, 1.0, 0, 0));
        assertEquals(new ClinicalScores.ChildPugh(6, "A"), ClinicalScores.childPugh(2.5, 4.0, 1.0, 0, 0));
        assertEquals(new ClinicalScores.ChildPugh(7, "B"), ClinicalScores.childPugh(2.5, 3.0, 1.0, 0, 0));
        assertEquals(new ClinicalScores.ChildPugh(9, "B"), ClinicalScores.childPugh(2.5, 3.0, 2.0, 1, 0));
        assertEquals(new ClinicalScores.ChildPugh(10, "C"), ClinicalScores.childPugh(2.5, 3.0, 2.0, 1, 1));
        assertEquals(new ClinicalScores.ChildPugh(15, "C"), ClinicalScores.childPugh(5.0, 2.0, 3.0, 3, 4));
    }

    @Test
    void meldWorkedExamples() {
        // all inputs at 1.0: 0.643 → 0.6 → 6, the lowest MELD there is
        assertEquals(6, ClinicalScores.meld(1.0, 1.0, 1.0, false));
        // creatinine 1.2, bilirubin 2.0, INR 1.5: 0.957·0.18232 + 0.378·0.69315 + 1.120·0.40547 + 0.643 = 1.5336 → 1.5 → 15
        assertEquals(15, ClinicalScores.meld(1.2, 2.0, 1.5, false));
        // creatinine 2.0, bilirubin 4.0, INR 2.0: 0.66334 + 0.52402 + 0.77632 + 0.643 = 2.6067 → 2.6 → 26
        assertEquals(26, ClinicalScores.meld(2.0, 4.0, 2.0, false));
    }

    @Test
    void meldClampsAndCaps() {
        // values below 1.0 count as 1.0
        assertEquals(6, ClinicalScores.meld(0.5, 0.3, 0.9, false));
        // creatinine above 4.0 counts as 4.0: 0.957·1.38629 + 0.643 = 1.9697 → 2.0 → 20
        assertEquals(20, ClinicalScores.meld(7.5, 1.0, 1.0, false));
        assertEquals(20, ClinicalScores.meld(4.0, 1.0, 1.0, false));
        // dialysis twice in the past week: creatinine 4.0 whatever was measured
        assertEquals(20, ClinicalScores.meld(1.0, 1.0, 1.0, true));
        // capped at 40: 1.32667 + 0.378·3.91202 + 1.120·1.60944 + 0.643 = 4.9958 → 5.0 → 50 → 40
        assertEquals(40, ClinicalScores.meld(4.0, 50.0, 5.0, false));
    }

    @Test
    void meldNaWorkedExamplesAndBounds() {
        // MELD 15, sodium 130: 15 + 1.32·7 − 0.033·15·7 = 15 + 9.24 − 3.465 = 20.775 → 21
        assertEquals(21, ClinicalScores.meldNa(15, 130));
        // sodium below 125 counts as 125: 15 + 1.32·12 − 0.033·15·12 = 15 + 15.84 − 5.94 = 24.9 → 25
        assertEquals(25, ClinicalScores.meldNa(15, 118));
        assertEquals(25, ClinicalScores.meldNa(15, 125));
        // sodium above 137 counts as 137: no change
        assertEquals(15, ClinicalScores.meldNa(15, 141));
        // MELD of 11 or less is left as it is
        assertEquals(11, ClinicalScores.meldNa(11, 125));
        // MELD 12: 12 + 1.32·12 − 0.033·12·12 = 12 + 15.84 − 4.752 = 23.088 → 23
        assertEquals(23, ClinicalScores.meldNa(12, 120));
        // capped at 40: 38 + 15.84 − 0.033·38·12 = 38 + 15.84 − 15.048 = 38.792 → 39; 40 + 15.84 − 15.84 = 40
        assertEquals(39, ClinicalScores.meldNa(38, 125));
        assertEquals(40, ClinicalScores.meldNa(40, 125));
    }

    @Test
    void meld3WorkedExamples() {
        // every input at its floor (bilirubin, INR, creatinine 1.0; sodium 137; albumin 3.5): only the constant, 6;
        // a woman: 6 + 1.33 = 7.33 → 7
        assertEquals(6, ClinicalScores.meld3(false, 1.0, 1.0, 1.0, 137, 3.5, false));
        assertEquals(7, ClinicalScores.meld3(true, 1.0, 1.0, 1.0, 137, 3.5, false));
        // creatinine 1.2, bilirubin 3.0, INR 1.5, sodium 130, albumin 3.0 (ln 1.2 = 0.182322, ln 3 = 1.098612, ln 1.5 = 0.405465):
        // 4.56·1.098612 + 0.82·7 − 0.24·7·1.098612 + 9.09·0.405465 + 11.14·0.182322 + 1.85·0.5 − 1.83·0.5·0.182322 + 6
        // = 5.009671 + 5.74 − 1.845668 + 3.685677 + 2.031067 + 0.925 − 0.166825 + 6 = 21.378922 → 21; a woman 22.708922 → 23
        assertEquals(21, ClinicalScores.meld3(false, 1.2, 3.0, 1.5, 130, 3.0, false));
        assertEquals(23, ClinicalScores.meld3(true, 1.2, 3.0, 1.5, 130, 3.0, false));
    }

    @Test
    void meld3BoundsAndCap() {
        // below the floors: as at the floors
        assertEquals(6, ClinicalScores.meld3(false, 0.6, 0.4, 0.9, 142, 4.4, false));
        // creatinine above 3.0 counts as 3.0, and so does dialysis: 11.14·ln 3 = 12.238538 + 6 = 18.24 → 18
        assertEquals(18, ClinicalScores.meld3(false, 5.0, 1.0, 1.0, 137, 3.5, false));
        assertEquals(18, ClinicalScores.meld3(false, 3.0, 1.0, 1.0, 137, 3.5, false));
        assertEquals(18, ClinicalScores.meld3(false, 1.0, 1.0, 1.0, 137, 3.5, true));
        // sodium below 125 counts as 125: 0.82·12 + 6 = 15.84 → 16
        assertEquals(16, ClinicalScores.meld3(false, 1.0, 1.0, 1.0, 118, 3.5, false));
        // albumin below 1.5 counts as 1.5: 1.85·2 + 6 = 9.7 → 10; with creatinine 3.0 the interaction
        // −1.83·2·1.098612 = −4.020920: 12.238538 + 3.7 − 4.020920 + 6 = 17.917618 → 18
        assertEquals(10, ClinicalScores.meld3(false, 1.0, 1.0, 1.0, 137, 1.0, false));
        assertEquals(18, ClinicalScores.meld3(false, 3.0, 1.0, 1.0, 137, 1.0, false));
        // capped at 40 (here 47.9 before the cap)
        assertEquals(40, ClinicalScores.meld3(true, 4.0, 40.0, 4.0, 120, 1.0, false));
    }
}

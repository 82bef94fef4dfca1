-- Answering-machine detection: who picked up (human or machine), as the carrier reported it after the answer.
ALTER TABLE calls ADD COLUMN amd_result text CHECK (amd_result IN ('human', 'machine'));
